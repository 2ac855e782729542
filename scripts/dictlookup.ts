/**
 * The GATv2 paper's DictionaryLookup experiment (§4.1): GATv2 with 1 head, GAT with 1 head
 * and GAT with 8 heads, side by side.
 *
 *   npx tsx scripts/dictlookup.ts --k 10 [--seed 0] [--epochs 100] [--lr 0.003]
 *       [--batch-size 256] [--dim 64] [--models gatv2:1,gat:1,gat:8] [--reference] [--verbose]
 *
 * --models picks which of model:heads to run (default all three, in that order).
 *
 * Uses the WebAssembly kernels unless --reference is given. "seconds" is wall time; "cpu s" is
 * the process's CPU time (user + system), which other load on the machine inflates less.
 */
import { parseArgs } from 'node:util';
import { setKernels } from '../src/kernels/backend.js';
import { loadWasmKernels } from '../src/kernels/wasm/index.js';
import {
  type DictionaryLookupModelKind,
  type DictionaryLookupOptions,
  runDictionaryLookup,
} from '../src/train/dictlookup.js';

const { values } = parseArgs({
  options: {
    k: { type: 'string', default: '10' },
    seed: { type: 'string', default: '0' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    dim: { type: 'string' },
    models: { type: 'string', default: 'gatv2:1,gat:1,gat:8' },
    reference: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

function numberArg(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) {
    console.error(`--${name}: expected a number, found '${text}'`);
    process.exit(2);
  }
  return v;
}

if (!values.reference) setKernels(await loadWasmKernels());

const k = numberArg('k', values.k) ?? 10;
const common: Omit<DictionaryLookupOptions, 'model' | 'heads'> = {
  k,
  seed: numberArg('seed', values.seed) ?? 0,
};
const epochs = numberArg('epochs', values.epochs);
if (epochs !== undefined) common.epochs = epochs;
const lr = numberArg('lr', values.lr);
if (lr !== undefined) common.lr = lr;
const batchSize = numberArg('batch-size', values['batch-size']);
if (batchSize !== undefined) common.batchSize = batchSize;
const dim = numberArg('dim', values.dim);
if (dim !== undefined) common.dim = dim;

const runs: [DictionaryLookupModelKind, number][] = values.models.split(',').map((item) => {
  const [model, heads] = item.trim().split(':');
  const h = Number(heads);
  if ((model !== 'gat' && model !== 'gatv2') || !Number.isInteger(h) || h < 1) {
    console.error(`--models: expected model:heads items such as gatv2:1,gat:8, found '${item}'`);
    process.exit(2);
  }
  return [model, h];
});
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`.padStart(7);

console.log(`DictionaryLookup k = ${k}, seed ${common.seed}`);
console.log('model    heads  train acc  train (running)  test acc  epochs  seconds  cpu s');
for (const [model, heads] of runs) {
  const options: DictionaryLookupOptions = { ...common, model, heads };
  if (values.verbose) {
    options.onEpoch = (epoch, trainAcc, testAcc) =>
      console.error(
        `  ${model} ${heads}h epoch ${epoch}: train ${pct(trainAcc)} test ${pct(testAcc)}`,
      );
  }
  const cpu = process.cpuUsage();
  const r = runDictionaryLookup(options);
  const { user, system } = process.cpuUsage(cpu);
  console.log(
    `${r.model.padEnd(8)} ${String(r.heads).padStart(5)}  ${pct(r.trainAcc).padStart(9)}  ${pct(r.runningTrainAcc ?? Number.NaN).padStart(15)}  ${pct(r.testAcc).padStart(8)}  ${String(r.epochs).padStart(6)}  ${(r.ms / 1000).toFixed(1).padStart(7)}  ${((user + system) / 1e6).toFixed(1).padStart(5)}`,
  );
}
