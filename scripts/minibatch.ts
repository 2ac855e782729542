/**
 * Full-batch vs neighbour-sampled mini-batch training, side by side: the paper recipe for the
 * dataset, `--runs` seeds each (seed, seed+1, ...), test accuracy mean ± std, epochs and
 * seconds per run.
 *
 *   npx tsx scripts/minibatch.ts --dataset pubmed --runs 5
 *
 * Options: --dataset cora|citeseer|pubmed (default pubmed), --model gat|gatv2 (gat),
 * --runs N (5), --seed S (0), --fanouts 10,10 (nearest hop first; -1 = all),
 * --batch-size B (64), --eval full|sampled (full: exact full-graph evaluation; sampled:
 * sampled inference with --eval-fanouts, default the training fan-outs), --only full|sampled
 * (run one side), --epochs E (recipe), --kernels reference|wasm (wasm),
 * --data-dir DIR (default ../shared/datasets/planetoid, offline), --json FILE.
 *
 * The runs and the summary are bench/minibatch-runs.ts's, which `npm run bench -- --cases
 * minibatch` also uses (there each run in its own process, with the verdict on the 1 pp
 * target as a JSON row); this script runs them in one process and prints them as they end.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { loadPlanetoid } from '../src/data/planetoid-node.js';
import { kernels, setKernels } from '../src/kernels/backend.js';
import { loadWasmKernels } from '../src/kernels/wasm/index.js';
import type { MiniBatchOptions } from '../src/train/minibatch.js';
import {
  type MinibatchRun,
  type MinibatchSide,
  minibatchConfig,
  runMinibatchSide,
  summariseMinibatch,
} from '../bench/minibatch-runs.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'pubmed' },
    model: { type: 'string', default: 'gat' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '0' },
    fanouts: { type: 'string', default: '10,10' },
    'batch-size': { type: 'string', default: '64' },
    eval: { type: 'string', default: 'full' },
    'eval-fanouts': { type: 'string' },
    only: { type: 'string' },
    epochs: { type: 'string' },
    kernels: { type: 'string', default: 'wasm' },
    'data-dir': { type: 'string' },
    json: { type: 'string' },
  },
});

function fail(why: string): never {
  process.stderr.write(`minibatch: ${why}\n`);
  process.exit(2);
}

function integer(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    fail(`--${name} must be an integer ≥ ${min}, found '${text}'`);
  return n;
}

function fanoutList(name: string, text: string): number[] {
  const list = text.split(',').map(Number);
  if (list.some((f) => !(f === -1 || (Number.isInteger(f) && f >= 1))))
    fail(`--${name} must be comma-separated positive integers or -1, found '${text}'`);
  return list;
}

const model: 'gat' | 'gatv2' =
  values.model === 'gat' || values.model === 'gatv2'
    ? values.model
    : fail(`--model must be gat or gatv2, found '${values.model}'`);
const runs = integer('runs', values.runs, 1);
const seed = integer('seed', values.seed, 0);
if (values.eval !== 'full' && values.eval !== 'sampled')
  fail(`--eval must be full or sampled, found '${values.eval}'`);
if (values.only !== undefined && values.only !== 'full' && values.only !== 'sampled')
  fail(`--only must be full or sampled, found '${values.only}'`);
const fanouts = fanoutList('fanouts', values.fanouts ?? '10,10');
const options: MiniBatchOptions = {
  fanouts,
  batchSize: integer('batch-size', values['batch-size'], 1),
  evalFullBatch: values.eval === 'full',
  evalFanouts: fanoutList('eval-fanouts', values['eval-fanouts'] ?? values.fanouts ?? '10,10'),
};

if (values.kernels === 'wasm') setKernels(await loadWasmKernels());
else if (values.kernels !== 'reference')
  fail(`--kernels must be reference or wasm, found '${values.kernels}'`);

const dataDir =
  values['data-dir'] ??
  resolve(fileURLToPath(new URL('../', import.meta.url)), '../shared/datasets/planetoid');
const datasetName = values.dataset ?? 'pubmed';
const dataset = await loadPlanetoid(datasetName, { dataDir, download: false });

const epochs = values.epochs === undefined ? undefined : integer('epochs', values.epochs, 1);
const base = { dataset: datasetName, model, ...(epochs === undefined ? {} : { epochs }) };
const config = minibatchConfig({ ...base, seed });

const pct = (x: number): string => (100 * x).toFixed(1);
const line = (label: string, r: MinibatchRun): string =>
  `${label} seed ${r.seed}: test ${pct(r.testAcc)}  val ${pct(r.valAcc)}  best epoch ${r.bestEpoch}/${r.epochs}  ${r.seconds.toFixed(1)} s`;

console.log(
  `${dataset.name} ${model}: ${runs} runs, seeds ${seed}..${seed + runs - 1}, kernels ${kernels().name}; ` +
    `sampled: fan-outs [${fanouts.join(', ')}], batch ${options.batchSize}, ${values.eval} evaluation` +
    (values.eval === 'sampled' ? ` (fan-outs [${options.evalFanouts?.join(', ')}])` : ''),
);
console.log(JSON.stringify(config));

const runsOf: Record<MinibatchSide, MinibatchRun[]> = { full: [], sampled: [] };
const sidesToRun = (['full', 'sampled'] as const).filter(
  (side) => values.only === undefined || values.only === side,
);
for (let r = 0; r < runs; r++) {
  for (const side of sidesToRun) {
    const res = runMinibatchSide(dataset, { ...base, side, seed: seed + r, options }, r);
    runsOf[side].push(res);
    console.log(line(side === 'full' ? 'full   ' : 'sampled', res));
  }
}
const { full, sampled } = runsOf;
const summary = summariseMinibatch(full, sampled);

const sides: [string, MinibatchSide][] = [
  ['full batch', 'full'],
  [`sampled [${fanouts.join(',')}] × ${options.batchSize}`, 'sampled'],
];
console.log('');
console.log(`${'mode'.padEnd(28)}${'test acc (%)'.padEnd(16)}${'epochs'.padEnd(12)}seconds/run`);
for (const [label, side] of sides) {
  const s = summary[side];
  if (s.runs === 0) continue;
  console.log(
    `${label.padEnd(28)}${`${pct(s.testAccMean)} ± ${pct(s.testAccStd)}`.padEnd(16)}${s.epochsMean.toFixed(0).padEnd(12)}${s.secondsMean.toFixed(1)}`,
  );
}
if (full.length > 0 && sampled.length > 0) {
  console.log(
    `sampled − full: ${summary.gapPp.toFixed(2)} percentage points (target within ±${summary.target.maxAbsGapPp}: ${summary.met ? 'met' : 'not met'})`,
  );
}
if (values.json !== undefined) {
  writeFileSync(
    values.json,
    JSON.stringify(
      { dataset: dataset.name, config, options, kernels: kernels().name, full, sampled, summary },
      null,
      2,
    ),
  );
}
