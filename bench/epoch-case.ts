/**
 * One Cora training-speed case in its own process:
 *   node --import tsx bench/epoch-case.ts '{"model":"gatv2","kernels":"wasm","epochs":50}'
 * Recipe of ../shared/bench/README.md: conv(F→8, heads 8, dropout 0.6) + ELU,
 * conv(64→classes, heads 1, concat false, dropout 0.6), input dropout 0.6, Adam lr 0.005,
 * weight decay 5e-4, row-normalised (sparse) features, public split.
 * "train epoch" = forward + backward + optimiser step on the full graph; "inference" = one
 * eval-mode forward without recording. Medians and p10 over `epochs` timed epochs (after 50
 * warm-up ones; inferences after 10), in wall time and in this process's CPU time
 * (process.cpuUsage), with the 1-minute load average before and after: on a shared machine
 * the CPU time is the steadier.
 * Each epoch and each inference runs in a StoragePool, as the library's trainers run them, so
 * storage is recycled from one to the next.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { crossEntropy } from '../src/autograd/ops/loss.js';
import { backward, noGrad } from '../src/autograd/variable.js';
import { loadPlanetoid } from '../src/data/planetoid-node.js';
import { kernels, setKernels } from '../src/kernels/backend.js';
import { GATModel } from '../src/nn/models/gat.js';
import { StoragePool } from '../src/tensor/pool.js';
import { adam } from '../src/optim/optimizers.js';
import { Optimizer } from '../src/optim/optimizer.js';
import { loadKernels } from './kernel-choice.js';

interface EpochSpec {
  dataset?: string;
  model: 'gat' | 'gatv2';
  kernels: string;
  epochs: number;
  dataDir: string;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as EpochSpec;
setKernels(await loadKernels(spec.kernels));
const data = await loadPlanetoid(spec.dataset ?? 'cora', {
  dataDir: spec.dataDir,
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

/** CPU time of this process in ms (user + system): less sensitive to other load than wall time. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const pool = new StoragePool();
const loadBefore = loadavg()[0]!;
const epochMs: number[] = [];
const epochCpuMs: number[] = [];
// Epochs before the timed ones: V8 first runs the WebAssembly kernels from its baseline
// compiler and swaps in optimised code as a background thread finishes it, which on a busy
// machine took more than 10 epochs (medians 4.7–4.8 ms after 10 warm-up epochs, 4.4–4.5 ms
// after 60, GATv2 on Cora, same process).
const warmup = 50;
for (let epoch = 0; epoch < spec.epochs + warmup; epoch++) {
  const c0 = cpuMs();
  const t0 = performance.now();
  pool.run(() => {
    model.train();
    model.zeroGrad();
    const loss = crossEntropy(model.forward(data.features, data.edgeIndex), data.labels, trainRows);
    backward(loss);
    optimizer.step();
  });
  if (epoch >= warmup) {
    epochMs.push(performance.now() - t0);
    epochCpuMs.push(cpuMs() - c0);
  }
}
model.eval();
const inferMs: number[] = [];
const inferCpuMs: number[] = [];
const inferenceWarmup = 10; // after the training epochs, the code is optimised already
for (let r = 0; r < inferenceWarmup + Math.max(20, spec.epochs); r++) {
  const c0 = cpuMs();
  const t0 = performance.now();
  pool.run(() => noGrad(() => model.forward(data.features, data.edgeIndex)).data[0]);
  if (r >= inferenceWarmup) {
    inferMs.push(performance.now() - t0);
    inferCpuMs.push(cpuMs() - c0);
  }
}
const round = (x: number): number => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    kind: 'train-epoch',
    dataset: spec.dataset ?? 'cora',
    model: spec.model,
    kernels: spec.kernels,
    epochs: spec.epochs,
    kernelsName: kernels().name,
    trainEpochMsMedian: round(quantile(epochMs, 0.5)),
    trainEpochMsP10: round(quantile(epochMs, 0.1)),
    trainEpochCpuMsMedian: round(quantile(epochCpuMs, 0.5)),
    trainEpochCpuMsP10: round(quantile(epochCpuMs, 0.1)),
    inferenceMsMedian: round(quantile(inferMs, 0.5)),
    inferenceMsP10: round(quantile(inferMs, 0.1)),
    inferenceCpuMsMedian: round(quantile(inferCpuMs, 0.5)),
    inferenceCpuMsP10: round(quantile(inferCpuMs, 0.1)),
    loadAverage1m: [round(loadBefore), round(loadavg()[0]!)],
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
