/**
 * Where a Cora training epoch and an inference spend their time, kernel by kernel:
 *   node --import tsx bench/profile-epoch.ts '{"model":"gatv2","kernels":"wasm","epochs":50}'
 * Every kernel of the active table is wrapped with a timer (performance.now), so the figures
 * carry a small overhead per call; "outside kernels" is the epoch's time minus their sum.
 * Same recipe as bench/epoch-case.ts. Prints one JSON object per phase.
 */
import { performance } from 'node:perf_hooks';
import { crossEntropy } from '../src/autograd/ops/loss.js';
import { backward, noGrad } from '../src/autograd/variable.js';
import { loadPlanetoid } from '../src/data/planetoid-node.js';
import { setKernels } from '../src/kernels/backend.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { GATModel } from '../src/nn/models/gat.js';
import { StoragePool } from '../src/tensor/pool.js';
import { adam } from '../src/optim/optimizers.js';
import { Optimizer } from '../src/optim/optimizer.js';
import { loadKernels } from './kernel-choice.js';

interface ProfileSpec {
  dataset?: string;
  model: 'gat' | 'gatv2';
  kernels: string;
  epochs: number;
  dataDir?: string;
  /** Run each epoch in a StoragePool, as the trainers do (default true). */
  pool?: boolean;
}

const totals = new Map<string, { ms: number; calls: number }>();

/** A call's shape, to tell the layers apart: " H×C" for attention, " m×k×n" for GEMM. */
function shapeOf(arg: unknown): string {
  if (typeof arg !== 'object' || arg === null) return '';
  const a = arg as Record<string, unknown>;
  if (typeof a.heads === 'number' && typeof a.channels === 'number')
    return ` ${a.heads}×${a.channels}`;
  if (typeof a.m === 'number' && typeof a.n === 'number' && typeof a.k === 'number')
    return ` ${a.m}×${a.k}×${a.n}${a.transA === true ? 'ᵀA' : ''}${a.transB === true ? 'ᵀB' : ''}`;
  return '';
}

/** The same table with every function timed into `totals`. */
function timed(k: Kernels): Kernels {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(k)) {
    if (typeof value !== 'function') {
      wrapped[name] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]): unknown => {
      const t = performance.now();
      const result = fn.apply(k, args);
      const key = name + shapeOf(args[0]);
      const entry = totals.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += performance.now() - t;
      entry.calls++;
      totals.set(key, entry);
      return result;
    };
  }
  return wrapped as unknown as Kernels;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ProfileSpec;
setKernels(timed(await loadKernels(spec.kernels)));
const data = await loadPlanetoid(spec.dataset ?? 'cora', {
  dataDir: spec.dataDir ?? process.env.GRAPHATTN_DATA ?? '../shared/datasets/planetoid',
  download: false,
});
const model = new GATModel({
  variant: spec.model,
  inChannels: data.numFeatures,
  hiddenChannels: 8,
  outChannels: data.numClasses,
  heads: 8,
  dropout: 0.6,
  seed: 0,
});
const optimizer = new Optimizer(model.parameters(), adam(0.005, { weightDecay: 5e-4 }));
const trainRows = Int32Array.from(
  Array.from(data.trainMask.keys()).filter((i) => data.trainMask[i] === 1),
);

function report(phase: string, runs: number, wallMs: number): void {
  let kernelMs = 0;
  const kernels: Record<string, { usPerRun: number; callsPerRun: number }> = {};
  const sorted = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [name, { ms, calls }] of sorted) {
    kernelMs += ms;
    kernels[name] = { usPerRun: Math.round((ms * 1000) / runs), callsPerRun: calls / runs };
  }
  console.log(
    JSON.stringify({
      phase,
      model: spec.model,
      kernels: spec.kernels,
      pool: pool !== null,
      msPerRun: Math.round((wallMs / runs) * 1000) / 1000,
      outsideKernelsUsPerRun: Math.round(((wallMs - kernelMs) * 1000) / runs),
      perKernel: kernels,
    }),
  );
}

const warmup = 10;
const pool = spec.pool === false ? null : new StoragePool();
function trainEpoch(): void {
  if (pool === null) trainEpochBody();
  else pool.run(trainEpochBody);
}
function trainEpochBody(): void {
  model.train();
  model.zeroGrad();
  const loss = crossEntropy(model.forward(data.features, data.edgeIndex), data.labels, trainRows);
  backward(loss);
  optimizer.step();
}
for (let e = 0; e < warmup; e++) trainEpoch();
totals.clear();
let t0 = performance.now();
for (let e = 0; e < spec.epochs; e++) trainEpoch();
report('train-epoch', spec.epochs, performance.now() - t0);

model.eval();
const infer = (): number => noGrad(() => model.forward(data.features, data.edgeIndex)).data[0]!;
const inferOnce = (): number => (pool === null ? infer() : pool.run(infer));
for (let r = 0; r < warmup; r++) inferOnce();
totals.clear();
t0 = performance.now();
for (let r = 0; r < spec.epochs; r++) inferOnce();
report('inference', spec.epochs, performance.now() - t0);
