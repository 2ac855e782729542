/**
 * Full-batch GATv2 training at scale, in its own process:
 *   node --max-old-space-size=20000 --import tsx bench/scale-case.ts \
 *     '{"nodes":1000000,"edges":20000000,"kernels":"wasm","steps":2,"threads":2}'
 * The shape of ../shared/bench/README.md's PyG scale table: GATv2Conv(128 → 8, heads 8) + ELU +
 * GATv2Conv(64 → 16), dense 128-wide float32 features (as PyG's), Adam, one training step =
 * forward + backward + optimiser step. Peak RSS is the whole process's.
 *
 * stepMsMedian is the median over the steps after the first (the first also prepares the
 * graph); firstStepMs is reported apart. Steps and the inference run in one StoragePool, as
 * the library's trainers run them, so from the second step on the arrays are reused
 * (`"pool": false`: fresh arrays every step, whose page faults and zero-fills took ~5 s of a
 * 22 s step on 1M nodes / 20M edges).
 *
 * Options: `threads` (default 1) runs the parallel kernels over `kernels` with that many
 * threads; `profile` adds the time spent in each kernel, the memory at points of the first
 * step (process.memoryUsage) and the CPU time of the threads in the last step (Linux) to the
 * JSON line; `gc` (with node --expose-gc) collects garbage before each step and before
 * inference, to tell live memory from garbage not yet collected.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { elu } from '../src/autograd/ops/activations.js';
import { crossEntropy } from '../src/autograd/ops/loss.js';
import { backward, noGrad } from '../src/autograd/variable.js';
import { stochasticBlockModel } from '../src/data/sbm.js';
import { setKernels } from '../src/kernels/backend.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { GATv2Conv } from '../src/nn/gatv2-conv.js';
import { adam } from '../src/optim/optimizers.js';
import { Optimizer } from '../src/optim/optimizer.js';
import { StoragePool } from '../src/tensor/pool.js';
import { Tensor } from '../src/tensor/tensor.js';
import { loadKernels } from './kernel-choice.js';

interface ScaleSpec {
  nodes: number;
  edges: number;
  kernels: string;
  steps: number;
  threads?: number;
  profile?: boolean;
  /** Collect garbage before each step and before inference (run node with --expose-gc). */
  gc?: boolean;
  /** Run each step in a StoragePool, as the library's trainers do (default true). */
  pool?: boolean;
}

const KERNEL_NAMES = [
  'gemm',
  'spmm',
  'spmmTransposed',
  'gatv2AttentionForward',
  'gatv2AttentionBackward',
  'gatAttentionForward',
  'gatAttentionBackward',
] as const;

/**
 * CPU time (ms) each thread of this process has run, from Linux's per-task schedstat (empty
 * elsewhere). On a shared machine the wall time of a step depends on how much CPU the
 * scheduler grants the process (Linux autogroups share the cores between sessions, whatever
 * their thread counts); CPU time per thread does not.
 */
function threadCpuMs(): Map<string, number> {
  const times = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return times;
  }
  for (const t of tasks) {
    try {
      const ns = Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      times.set(t, ns / 1e6);
    } catch {
      // The thread ended.
    }
  }
  return times;
}

/** CPU of the main thread, of all threads, and of the busiest thread in each kernel call. */
const cpu = { kernelMain: 0, kernelBusiest: 0 };

/**
 * Wraps every kernel of `k` to add its wall time (ms) into `totals` and, when `perCallCpu`,
 * its CPU into `cpu`. Reading every thread's CPU costs ~0.1 ms per call, which would swamp the
 * kernels of small graphs; with one thread the busiest thread is the main one, so it is skipped.
 */
function timed(k: Kernels, totals: Map<string, number>, perCallCpu: boolean): Kernels {
  const main = String(process.pid);
  const time =
    <A extends unknown[]>(name: string, fn: (...args: A) => void) =>
    (...args: A): void => {
      const before = perCallCpu ? threadCpuMs() : undefined;
      const t = performance.now();
      fn(...args);
      totals.set(name, (totals.get(name) ?? 0) + performance.now() - t);
      if (before === undefined) return;
      const after = threadCpuMs();
      let busiest = 0;
      for (const [task, ms] of after) busiest = Math.max(busiest, ms - (before.get(task) ?? 0));
      cpu.kernelBusiest += busiest;
      cpu.kernelMain += (after.get(main) ?? 0) - (before.get(main) ?? 0);
    };
  return {
    ...k,
    name: k.name,
    gemm: time('gemm', (a) => k.gemm(a)),
    spmm: time('spmm', (a, b, n, out, acc) => k.spmm(a, b, n, out, acc)),
    spmmTransposed: time('spmmTransposed', (a, b, n, out, acc) =>
      k.spmmTransposed(a, b, n, out, acc),
    ),
    gatv2AttentionForward: time('gatv2AttentionForward', (a, o) => k.gatv2AttentionForward(a, o)),
    gatv2AttentionBackward: time('gatv2AttentionBackward', (a, al, g, o) =>
      k.gatv2AttentionBackward(a, al, g, o),
    ),
    gatAttentionForward: time('gatAttentionForward', (a, o) => k.gatAttentionForward(a, o)),
    gatAttentionBackward: time('gatAttentionBackward', (a, al, g, o) =>
      k.gatAttentionBackward(a, al, g, o),
    ),
  };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ScaleSpec;
const loadAtStart = loadavg()[0]!;
const threads = spec.threads ?? 1;
const profile = spec.profile ?? false;
const base = await loadKernels(spec.kernels);
let active = base;
let terminate = (): void => {};
let parallelStats = (): Record<string, number> | null => null;
if (threads > 1) {
  const { createParallelKernels } = await import('../src/kernels/parallel/index.js');
  const parallel = await createParallelKernels({ threads, base });
  active = parallel;
  terminate = () => parallel.terminate();
  parallelStats = () => ({ ...parallel.stats() });
}
const kernelMs = new Map<string, number>();
const perCallCpu = threads > 1;
setKernels(profile ? timed(active, kernelMs, perCallCpu) : active);

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);
const memoryPoints: Record<string, unknown>[] = [];
const mark = (point: string): void => {
  if (!profile) return;
  const m = process.memoryUsage();
  memoryPoints.push({
    point,
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  });
};

const t0 = performance.now();
const data = stochasticBlockModel({
  numNodes: spec.nodes,
  numEdges: spec.edges,
  numClasses: 16,
  numFeatures: 128,
  seed: 1,
});
// Dense features, as PyG's benchmark feeds them.
const x = Tensor.zeros([data.numNodes, 128]);
const csr = data.features as { rowPtr: Int32Array; colIdx: Int32Array; values: Float32Array };
for (let r = 0; r < data.numNodes; r++) {
  for (let q = csr.rowPtr[r]!; q < csr.rowPtr[r + 1]!; q++)
    x.data[r * 128 + csr.colIdx[q]!] = csr.values[q]!;
}
const generateMs = performance.now() - t0;
mark('generated');

const conv1 = new GATv2Conv({ inChannels: 128, outChannels: 8, heads: 8, seed: 1 });
const conv2 = new GATv2Conv({ inChannels: 64, outChannels: 16, heads: 1, seed: 2 });
const params = [...conv1.parameters(), ...conv2.parameters()];
const optimizer = new Optimizer(params, adam(0.005, { weightDecay: 5e-4 }));
const trainRows = Int32Array.from(
  Array.from(data.trainMask.keys()).filter((i) => data.trainMask[i] === 1),
);

/**
 * One training step, in its own function: the step's variables (and through them its whole
 * autograd graph) must die with its frame. Written inline in the loop they stay reachable from
 * the interpreter's registers until overwritten in the next step, whose peak then holds two
 * graphs at once (measured: +1.3 GB on 1M nodes / 20M edges).
 */
function trainStep(first: boolean): void {
  for (const p of params) p.zeroGrad();
  const h1 = conv1.forward(x, data.edgeIndex, { validate: first });
  if (first) mark('layer 1 forward');
  const h = elu(h1);
  const logits = conv2.forward(h, data.edgeIndex, { validate: false });
  if (first) mark('layer 2 forward');
  const loss = crossEntropy(logits, data.labels, trainRows);
  backward(loss);
  if (first) mark('backward');
  optimizer.step();
  if (first) mark('optimiser step');
}

// Steps reuse the previous step's arrays, as the trainers run them: fresh ones for every
// step cost page faults and zero-fills on every large array (seconds per step at 1M nodes).
const pool = spec.pool === false ? null : new StoragePool();
const stepMs: number[] = [];
const stepKernelMs: number[] = [];
let stepCpu: Record<string, number> = {};
const stepCpuEstimateMs: number[] = [];
const sumCpu = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
for (let s = 0; s < spec.steps; s++) {
  const first = s === 0;
  kernelMs.clear();
  cpu.kernelMain = 0;
  cpu.kernelBusiest = 0;
  if (spec.gc === true && typeof gc === 'function') gc();
  if (s === 1) mark('step 2 start');
  const cpuBefore = profile ? threadCpuMs() : new Map<string, number>();
  const t = performance.now();
  if (pool === null) trainStep(first);
  else pool.run(() => trainStep(first));
  stepMs.push(performance.now() - t);
  if (profile) {
    const cpuAfter = threadCpuMs();
    const mainId = String(process.pid);
    const mainMs = (cpuAfter.get(mainId) ?? 0) - (cpuBefore.get(mainId) ?? 0);
    // Had every thread run whenever it was ready: the main thread's work outside the kernels
    // plus, per kernel call, its busiest thread (with one thread: the main thread's CPU).
    const estimate = perCallCpu ? mainMs - cpu.kernelMain + cpu.kernelBusiest : mainMs;
    stepCpuEstimateMs.push(estimate);
    stepCpu = {
      mainThreadMs: Math.round(mainMs),
      allThreadsMs: Math.round(sumCpu(cpuAfter) - sumCpu(cpuBefore)),
      uncontendedEstimateMs: Math.round(estimate),
      ...(perCallCpu
        ? {
            kernelsMainThreadMs: Math.round(cpu.kernelMain),
            kernelsBusiestThreadMs: Math.round(cpu.kernelBusiest),
          }
        : {}),
    };
  }
  let inKernels = 0;
  for (const v of kernelMs.values()) inKernels += v;
  stepKernelMs.push(inKernels);
}
const kernelBreakdown = Object.fromEntries(
  KERNEL_NAMES.filter((n) => kernelMs.has(n)).map((n) => [n, Math.round(kernelMs.get(n)!)]),
);
if (spec.gc === true && typeof gc === 'function') gc();
mark('inference start');
const infer = (): void => {
  noGrad(() =>
    conv2.forward(elu(conv1.forward(x, data.edgeIndex, { validate: false })), data.edgeIndex, {
      validate: false,
    }),
  );
};
const ti = performance.now();
if (pool === null) infer();
else pool.run(infer);
const inferenceMs = performance.now() - ti;
mark('inference');
const stats = parallelStats();
terminate();

// Steady state: the first step also prepares the graph (self-loops, CSR) and warms up.
const steady = stepMs.length > 1 ? stepMs.slice(1) : stepMs;
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
}
const sorted = [...steady].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    kind: 'scale',
    kernels: active.name,
    threads,
    nodes: data.numNodes,
    edges: data.edgeIndex.src.length,
    generateMs: Math.round(generateMs),
    firstStepMs: Math.round(stepMs[0]!),
    // To 0.01 ms: the scaling fit uses it for steps of a few milliseconds.
    stepMsMedian: Math.round(sorted[Math.floor(sorted.length / 2)]! * 100) / 100,
    inferenceMs: Math.round(inferenceMs),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    // The 1-minute load average (other processes included) when the case started and ended.
    load: [loadAtStart, loadavg()[0]!].map((l) => Math.round(l * 100) / 100),
    ...(stats === null ? {} : { parallel: stats }),
    ...(profile
      ? {
          lastStepKernelMs: Math.round(stepKernelMs[stepKernelMs.length - 1]!),
          lastStepKernelBreakdownMs: kernelBreakdown,
          lastStepCpu: stepCpu,
          // Median over the steps after the first of the uncontended estimate (lastStepCpu's).
          stepCpuMsMedian: median(
            stepCpuEstimateMs.length > 1 ? stepCpuEstimateMs.slice(1) : stepCpuEstimateMs,
          ),
          memory: memoryPoints,
        }
      : {}),
  }),
);
