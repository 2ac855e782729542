/**
 * Reproduces the papers' transductive results: trains `--runs` models with seeds
 * seed, seed+1, ... using the paper recipe and prints each run's test accuracy and the
 * mean ± std (sample std).
 *
 *   npx tsx scripts/reproduce.ts --dataset cora --model gat --runs 20
 *
 * Options: --dataset cora|citeseer|pubmed|karate (default cora), --model gat|gatv2 (gat),
 * --runs N (20), --seed S (0), --epochs E (recipe), --early-stopping pyg|gat (pyg),
 * --value-dropout P (recipe: 0.6 for GAT on the citation datasets, else none),
 * --kernels reference|wasm (reference), --data-dir DIR (env GRAPHATTN_DATA, else
 * ../shared/datasets/planetoid when present, else the download cache), --json FILE.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { NodeClassificationDataset } from '../src/data/graph.js';
import { karateClub } from '../src/data/karate.js';
import { loadPlanetoid } from '../src/data/planetoid-node.js';
import { kernels, setKernels } from '../src/kernels/backend.js';
import { loadWasmKernels } from '../src/kernels/wasm/index.js';
import { type RunResult, trainNodeClassifier } from '../src/train/node-classification.js';
import { meanStd } from '../src/train/metrics.js';
import { type TrainConfig, paperRecipe } from '../src/train/recipes.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'cora' },
    model: { type: 'string', default: 'gat' },
    runs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '0' },
    epochs: { type: 'string' },
    'value-dropout': { type: 'string' },
    'early-stopping': { type: 'string', default: 'pyg' },
    kernels: { type: 'string', default: 'reference' },
    'data-dir': { type: 'string' },
    json: { type: 'string' },
  },
});

function fail(why: string): never {
  process.stderr.write(`reproduce: ${why}\n`);
  process.exit(2);
}

function integer(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    fail(`--${name} must be a non-negative integer, found '${text}'`);
  return n;
}

const model =
  values.model === 'gat' || values.model === 'gatv2'
    ? values.model
    : fail(`--model must be gat or gatv2, found '${values.model}'`);
const rule =
  values['early-stopping'] === 'gat' || values['early-stopping'] === 'pyg'
    ? values['early-stopping']
    : fail(`--early-stopping must be gat or pyg, found '${values['early-stopping']}'`);
const runs = integer('runs', values.runs);
if (runs < 1) fail('--runs must be at least 1');

if (values.kernels === 'wasm') setKernels(await loadWasmKernels());
else if (values.kernels !== 'reference')
  fail(`--kernels must be reference or wasm, found '${values.kernels}'`);

const datasetName = values.dataset ?? 'cora';
let dataset: NodeClassificationDataset;
if (datasetName.toLowerCase().startsWith('karate')) {
  dataset = karateClub();
} else {
  const shared = resolve(
    fileURLToPath(new URL('../', import.meta.url)),
    '../shared/datasets/planetoid',
  );
  const dataDir =
    values['data-dir'] ?? process.env.GRAPHATTN_DATA ?? (existsSync(shared) ? shared : undefined);
  dataset = await loadPlanetoid(datasetName, dataDir === undefined ? {} : { dataDir });
}

const config: TrainConfig = {
  ...paperRecipe(datasetName, model),
  seed: integer('seed', values.seed),
  earlyStopping: rule,
};
if (values.epochs !== undefined) config.epochs = integer('epochs', values.epochs);
if (values['value-dropout'] !== undefined) {
  const p = Number(values['value-dropout']);
  if (values['value-dropout'].trim() === '' || !(p >= 0 && p < 1))
    fail(`--value-dropout must be a number in [0, 1), found '${values['value-dropout']}'`);
  if (model === 'gatv2' && p !== 0) fail('--value-dropout is for --model gat only');
  config.valueDropout = p;
}

const pct = (x: number): string => (100 * x).toFixed(1);
console.log(
  `${dataset.name} ${model}: ${runs} runs, seeds ${config.seed}..${config.seed + runs - 1}, early stopping '${rule}', kernels ${kernels().name}`,
);
console.log(JSON.stringify(config));
// One run at a time (as trainRuns does) so each result is printed as soon as it is known.
const results: RunResult[] = [];
for (let r = 0; r < runs; r++) {
  const run = trainNodeClassifier(dataset, { ...config, seed: config.seed + r }, {}, r);
  results.push(run);
  console.log(
    `seed ${run.seed}: test ${pct(run.testAcc)}  val ${pct(run.valAcc)}  val loss ${run.valLoss.toFixed(4)}  best epoch ${run.bestEpoch}/${run.epochs}  ${run.msPerEpoch.toFixed(1)} ms/epoch`,
  );
}
const test = meanStd(results.map((r) => r.testAcc));
const totalEpochs = results.reduce((s, r) => s + r.epochs, 0);
const summary = {
  testAccMean: test.mean,
  testAccStd: test.std,
  valAccMean: meanStd(results.map((r) => r.valAcc)).mean,
  epochsMean: totalEpochs / results.length,
  msPerEpoch: results.reduce((s, r) => s + r.msPerEpoch * r.epochs, 0) / totalEpochs,
};
console.log(
  `test accuracy ${pct(summary.testAccMean)} ± ${pct(summary.testAccStd)} (${results.length} seeds); val ${pct(summary.valAccMean)}; epochs ${summary.epochsMean.toFixed(0)}; ${summary.msPerEpoch.toFixed(1)} ms/epoch`,
);
if (values.json !== undefined) {
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        dataset: dataset.name,
        config,
        kernels: kernels().name,
        testAccMean: summary.testAccMean,
        testAccStd: summary.testAccStd,
        valAccMean: summary.valAccMean,
        epochsMean: summary.epochsMean,
        msPerEpoch: summary.msPerEpoch,
        runs: results.map(({ model: _model, history: _history, ...r }) => r),
      },
      null,
      2,
    ),
  );
}
