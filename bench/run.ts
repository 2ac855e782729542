/**
 * graphattn benchmarks: `npm run bench` (a table) or `npm run bench -- --json` (one JSON
 * object per line). Every case runs in a fresh process so peak memory is its own; compare
 * implementations by the ratios of one run, not by absolute times on a shared machine.
 *
 *   --kernels reference,wasm   kernel implementations to measure (default: both)
 *   --quick                    skip the 1M-node / 10M-edge case
 *   --epochs N                 timed epochs of the Cora training cases (default 100)
 *   --cases layer,epoch        which groups to run (default both)
 *   --scale                    also the big graph: one GATv2(128→8×8)+GATv2(64→16) training
 *                              step on 1M nodes / 20M edges (scale-case.ts, wasm kernels) at
 *                              1 and 2 threads, back to back (about 10 minutes, ~9 GB)
 *
 * The Cora training cases (epoch-case.ts) are set beside PyTorch Geometric's figures for the
 * same recipe; the ratio is PyG ms / graphattn ms (how many times faster), from medians.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CaseSpec } from './layer-case.js';

interface EpochSpec {
  model: 'gat' | 'gatv2';
  kernels: string;
  epochs: number;
  dataDir: string;
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    kernels: { type: 'string', default: 'reference,wasm' },
    epochs: { type: 'string', default: '100' },
    cases: { type: 'string', default: 'layer,epoch' },
    scale: { type: 'boolean', default: false },
  },
});

/**
 * PyTorch Geometric on Cora, 1 thread, quiet machine: ../shared/bench/README.md (the
 * "Planetoid" table, measured 2026-11-24; PyG 2.9.0, torch 1.13.1). Train epoch = forward +
 * backward + Adam step, median ms; inference = one eval forward, ms.
 */
const PYG_CORA = {
  gat: { trainEpochMs: 97.3, inferenceMs: 13.9 },
  gatv2: { trainEpochMs: 110.9, inferenceMs: 21.7 },
} as const;

const machine = {
  kind: 'machine',
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  threads: 1,
  date: new Date().toISOString(),
};

const emit = (row: Record<string, unknown>): void => {
  if (values.json) console.log(JSON.stringify(row));
};

interface ScaleSpec {
  nodes: number;
  edges: number;
  kernels: string;
  steps: number;
  threads: number;
  profile: boolean;
}

function runCase(
  spec: CaseSpec | EpochSpec | ScaleSpec,
  file = './layer-case.ts',
): Record<string, unknown> {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=16384', '--import', 'tsx', script, JSON.stringify(spec)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    },
  );
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as Record<string, unknown>;
}

emit(machine);
if (!values.json) {
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, 1 thread`,
  );
}

const kernelNames = values.kernels.split(',').map((s) => s.trim());
const groups = new Set(values.cases.split(',').map((s) => s.trim()));
const cora = { nodes: 2708, edges: 10556, inChannels: 64, heads: 8, channels: 8 };
const rows: Record<string, unknown>[] = [];
const epochRows: Record<string, unknown>[] = [];
const epochs = Number(values.epochs);
if (!(Number.isInteger(epochs) && epochs >= 1))
  throw new Error('--epochs must be a positive integer');
const dataDir = fileURLToPath(new URL('../../shared/datasets/planetoid', import.meta.url));
const ratio = (pyg: number, ours: unknown): number =>
  typeof ours === 'number' && ours > 0 ? Math.round((pyg / ours) * 10) / 10 : NaN;
if (groups.has('epoch')) {
  for (const kernels of kernelNames) {
    for (const model of ['gatv2', 'gat'] as const) {
      const r = runCase({ model, kernels, epochs, dataDir }, './epoch-case.ts');
      const pyg = PYG_CORA[model];
      const row = {
        ...r,
        pygTrainEpochMs: pyg.trainEpochMs,
        pygInferenceMs: pyg.inferenceMs,
        speedupTrainEpoch: ratio(pyg.trainEpochMs, r.trainEpochMsMedian),
        speedupTrainEpochCpu: ratio(pyg.trainEpochMs, r.trainEpochCpuMsMedian),
        speedupInference: ratio(pyg.inferenceMs, r.inferenceMsMedian),
        speedupInferenceCpu: ratio(pyg.inferenceMs, r.inferenceCpuMsMedian),
      };
      epochRows.push(row);
      emit(row);
    }
  }
}
for (const kernels of groups.has('layer') ? kernelNames : []) {
  for (const layer of ['GATv2Conv', 'GATConv'] as const) {
    const r = runCase({ kind: 'layer', layer, ...cora, repeats: 30, kernels });
    rows.push({ kind: 'layer', ...r });
    emit({ kind: 'layer', ...r });
  }
  if (!values.quick) {
    const r = runCase({
      kind: 'fused-attention',
      nodes: 1_000_000,
      edges: 9_000_000,
      inChannels: 64,
      heads: 8,
      channels: 8,
      repeats: 1,
      kernels,
    });
    rows.push({ kind: 'fused-attention', ...r });
    emit({ kind: 'fused-attention', ...r });
  }
}

if (!values.json) {
  console.log(
    '\ncase                                         kernels    fwd ms   fwd+bwd ms   working MiB   one [E,H,C] buffer MiB',
  );
  for (const r of rows) {
    const name =
      r.kind === 'layer'
        ? `${String(r.layer)} ${String(r.nodes)} nodes, ${String(r.edgesWithLoops)} edges, ${String(r.heads)}×${String(r.channels)}`
        : `fused GATv2 attention ${String(r.nodes)} nodes, ${String(r.edgesWithLoops)} edges`;
    console.log(
      `${name.padEnd(44)} ${String(r.kernels).padEnd(10)} ${String(r.forwardMsMedian).padStart(7)} ${String(r.forwardBackwardMsMedian).padStart(12)} ${String(r.workingMemoryMiB).padStart(13)} ${String(r.oneEdgeHeadChannelBufferMiB).padStart(24)}`,
    );
  }
}

if (!values.json && epochRows.length > 0) {
  console.log(
    `\nCora training (PyG recipe), medians [p10] over ${epochs} epochs; ms wall / ms CPU; speed-up = PyG ms ÷ ours (wall, CPU); load average now ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    'model  kernels      train epoch ms          PyG    ×wall  ×CPU   inference ms            PyG   ×wall  ×CPU   load',
  );
  const f = (r: Record<string, unknown>, k: string): string => String(r[k]);
  for (const r of epochRows) {
    const load = Array.isArray(r.loadAverage1m) ? r.loadAverage1m.join('→') : '';
    console.log(
      `${f(r, 'model').padEnd(6)} ${f(r, 'kernels').padEnd(10)} ${`${f(r, 'trainEpochMsMedian')} [${f(r, 'trainEpochMsP10')}] / ${f(r, 'trainEpochCpuMsMedian')}`.padEnd(23)} ${f(r, 'pygTrainEpochMs').padStart(6)} ${f(r, 'speedupTrainEpoch').padStart(6)} ${f(r, 'speedupTrainEpochCpu').padStart(5)}   ${`${f(r, 'inferenceMsMedian')} [${f(r, 'inferenceMsP10')}] / ${f(r, 'inferenceCpuMsMedian')}`.padEnd(23)} ${f(r, 'pygInferenceMs').padStart(5)} ${f(r, 'speedupInference').padStart(6)} ${f(r, 'speedupInferenceCpu').padStart(5)}   ${load}`,
    );
  }
}

// The big graph at 1 and 2 threads (parallel kernels), back to back so that both see the same
// machine load. On a shared machine the wall ratio depends on the CPU the scheduler grants;
// the CPU-time estimate (scale-case.ts: main thread outside kernels + busiest thread per
// kernel call) is what the threads would take with the cores to themselves.
if (values.scale) {
  const scaleRows: Record<string, unknown>[] = [];
  for (const threads of [1, 2]) {
    const r = runCase(
      { nodes: 1_000_000, edges: 20_000_000, kernels: 'wasm', steps: 2, threads, profile: true },
      './scale-case.ts',
    );
    const { memory: _memory, ...row } = r;
    scaleRows.push(row);
    emit(row);
  }
  if (!values.json) {
    console.log(
      '\nGATv2(128→8×8)+ELU+GATv2(64→16) training step, 1M nodes / 20M edges (wasm kernels)',
    );
    console.log(
      'threads   step ms   uncontended est. ms   inference ms   peak RSS MiB   load start→end',
    );
    const est = (r: Record<string, unknown> | undefined): number | undefined => {
      const cpu = r?.lastStepCpu;
      return typeof cpu === 'object' &&
        cpu !== null &&
        'uncontendedEstimateMs' in cpu &&
        typeof cpu.uncontendedEstimateMs === 'number'
        ? cpu.uncontendedEstimateMs
        : undefined;
    };
    for (const r of scaleRows) {
      const load = Array.isArray(r.load) ? r.load.join('→') : '';
      console.log(
        `${String(r.threads).padStart(7)} ${String(r.stepMsMedian).padStart(9)} ${String(est(r) ?? '').padStart(21)} ${String(r.inferenceMs).padStart(14)} ${String(r.peakRssMiB).padStart(14)}   ${load}`,
      );
    }
    const [one, two] = scaleRows;
    const ratio2 = (a: unknown, b: unknown): string =>
      typeof a === 'number' && typeof b === 'number' && b > 0 ? (a / b).toFixed(2) : '?';
    console.log(
      `2 threads vs 1: ×${ratio2(one?.stepMsMedian, two?.stepMsMedian)} wall, ×${ratio2(est(one), est(two))} uncontended estimate`,
    );
  }
}
