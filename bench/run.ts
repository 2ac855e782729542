/**
 * graphattn benchmarks: `npm run bench` (a table) or `npm run bench -- --json` (one JSON
 * object per line). Every case runs in a fresh process so peak memory is its own; compare
 * implementations by the ratios of one run, not by absolute times on a shared machine.
 *
 *   --kernels reference,wasm   kernel implementations to measure (default: both)
 *   --quick                    skip the 1M-node / 10M-edge case
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CaseSpec } from './layer-case.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    kernels: { type: 'string', default: 'reference,wasm' },
  },
});

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

function runCase(spec: CaseSpec): Record<string, unknown> {
  const script = fileURLToPath(new URL('./layer-case.ts', import.meta.url));
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
const cora = { nodes: 2708, edges: 10556, inChannels: 64, heads: 8, channels: 8 };
const rows: Record<string, unknown>[] = [];
for (const kernels of kernelNames) {
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
