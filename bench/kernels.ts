/**
 * Kernel micro-benchmarks: the reference (plain TypeScript) kernels against the WebAssembly
 * SIMD kernels, measured side by side in one process (interleaved runs, medians).
 *
 *   npx tsx bench/kernels.ts            all cases, including 1M nodes / 10M edges
 *   npx tsx bench/kernels.ts --quick    without the large-graph case
 *
 * Float32 throughout. Times include copying operands into and out of WebAssembly memory.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type {
  CsrMatrix,
  GatAttentionArgs,
  Gatv2AttentionArgs,
  Kernels,
  TargetCsr,
} from '../src/kernels/kernels.js';
import { referenceKernels } from '../src/kernels/reference/index.js';
import { loadWasmKernels } from '../src/kernels/wasm/index.js';
import { Random } from '../src/tensor/random.js';

const quick = process.argv.includes('--quick');

function randomF32(length: number, rng: Random, scale = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.uniformIn(-scale, scale);
  return out;
}

/** Random CSR with each entry present with probability `density` (values in [0, 1)). */
function randomCsr(rows: number, cols: number, density: number, rng: Random): CsrMatrix {
  const rowPtr = new Int32Array(rows + 1);
  const colIdx: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (rng.uniform() < density) colIdx.push(c);
    rowPtr[r + 1] = colIdx.length;
  }
  const values = new Float32Array(colIdx.length);
  for (let q = 0; q < values.length; q++) values[q] = rng.uniform();
  return { rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values };
}

/** `edges` random edges plus one self-loop per node, grouped by target (counting sort). */
function randomGraph(nodes: number, edges: number, rng: Random): TargetCsr {
  const total = edges + nodes;
  const srcOf = new Int32Array(total);
  const dstOf = new Int32Array(total);
  for (let e = 0; e < edges; e++) {
    srcOf[e] = Math.floor(rng.uniform() * nodes);
    dstOf[e] = Math.floor(rng.uniform() * nodes);
  }
  for (let i = 0; i < nodes; i++) {
    srcOf[edges + i] = i;
    dstOf[edges + i] = i;
  }
  const ptr = new Int32Array(nodes + 1);
  for (let e = 0; e < total; e++) ptr[dstOf[e]! + 1]!++;
  for (let i = 0; i < nodes; i++) ptr[i + 1]! += ptr[i]!;
  const fill = ptr.slice(0, nodes);
  const src = new Int32Array(total);
  for (let e = 0; e < total; e++) src[fill[dstOf[e]!]!++] = srcOf[e]!;
  return { numSrc: nodes, numDst: nodes, ptr, src };
}

interface Row {
  name: string;
  reference: number;
  wasm: number;
  note: string;
}

/** Median milliseconds of `run(kernels)` for both, interleaved after one warm-up each. */
function measure(
  name: string,
  reps: number,
  wasm: Kernels,
  run: (kernels: Kernels) => void,
  note = '',
): Row {
  const times: Record<'reference' | 'wasm', number[]> = { reference: [], wasm: [] };
  run(referenceKernels);
  run(wasm);
  for (let r = 0; r < reps; r++) {
    for (const [key, kernels] of [
      ['reference', referenceKernels],
      ['wasm', wasm],
    ] as const) {
      const t0 = performance.now();
      run(kernels);
      times[key].push(performance.now() - t0);
    }
  }
  const row = { name, reference: median(times.reference), wasm: median(times.wasm), note };
  print(row);
  return row;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;
}

function print(row: Row): void {
  const ratio = row.reference / row.wasm;
  console.log(
    `| ${row.name} | ${formatMs(row.reference)} | ${formatMs(row.wasm)} | ${ratio.toFixed(1)}× | ${row.note} |`,
  );
}

function gatv2Args(
  graph: TargetCsr,
  heads: number,
  channels: number,
  rng: Random,
): Gatv2AttentionArgs {
  const HC = heads * channels;
  return {
    graph,
    heads,
    channels,
    xl: randomF32(graph.numSrc * HC, rng),
    xr: randomF32(graph.numDst * HC, rng),
    edge: null,
    att: randomF32(HC, rng),
    negativeSlope: 0.2,
    dropScale: null,
  };
}

function gatArgs(graph: TargetCsr, heads: number, channels: number, rng: Random): GatAttentionArgs {
  const HC = heads * channels;
  return {
    graph,
    heads,
    channels,
    x: randomF32(graph.numSrc * HC, rng),
    scoreSrc: randomF32(graph.numSrc * heads, rng),
    scoreDst: randomF32(graph.numDst * heads, rng),
    scoreEdge: null,
    negativeSlope: 0.2,
    dropScale: null,
  };
}

async function main(): Promise<void> {
  const wasm = await loadWasmKernels();
  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} logical cores`);
  console.log(`node ${process.version}, ${os.platform()} ${os.arch()}; kernels: ${wasm.name}`);
  console.log('');
  console.log('| kernel | reference (median) | wasm (median) | speed-up | note |');
  console.log('|---|---|---|---|---|');
  const rng = new Random(2024);

  {
    const [m, k, n] = [2708, 1433, 64];
    const a = randomF32(m * k, rng);
    const b = randomF32(k * n, rng);
    const out = new Float32Array(m * n);
    const flops = 2 * m * n * k;
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const row = measure(
        `GEMM ${m}×${k}×${n} transA=${transA} transB=${transB}`,
        9,
        wasm,
        (kernels) => kernels.gemm({ transA, transB, m, n, k, a, b, out, accumulate: false }),
      );
      console.log(
        `|   | ${(flops / row.reference / 1e6).toFixed(1)} GFLOP/s | ${(flops / row.wasm / 1e6).toFixed(1)} GFLOP/s | | |`,
      );
    }
  }

  {
    const n = 64;
    const a = randomCsr(2708, 1433, 0.0127, rng);
    const b = randomF32(a.cols * n, rng);
    const out = new Float32Array(a.rows * n);
    measure(`spmm Cora-like 2708×1433 (${a.values.length} nnz) × ${n}`, 21, wasm, (kernels) =>
      kernels.spmm(a, b, n, out, false),
    );
    const bt = randomF32(a.rows * n, rng);
    const outT = new Float32Array(a.cols * n);
    measure(`spmmTransposed Cora-like, Aᵀ · [2708, ${n}]`, 21, wasm, (kernels) =>
      kernels.spmmTransposed(a, bt, n, outT, false),
    );
  }

  {
    const [H, C] = [8, 8];
    const graph = randomGraph(2708, 10556, rng);
    const E = graph.src.length;
    const label = `Cora-sized (2,708 nodes, ${E.toLocaleString('en')} edges), ${H}×${C}`;
    const v2 = gatv2Args(graph, H, C, rng);
    const gat = gatArgs(graph, H, C, rng);
    const out = new Float32Array(graph.numDst * H * C);
    const alpha = new Float32Array(E * H);
    const gradOut = randomF32(graph.numDst * H * C, rng);
    const gradXl = new Float32Array(graph.numSrc * H * C);
    const gradXr = new Float32Array(graph.numDst * H * C);
    const gradAtt = new Float32Array(H * C);
    measure(`GATv2 attention fwd+bwd, ${label}`, 21, wasm, (kernels) => {
      kernels.gatv2AttentionForward(v2, { out, alpha });
      kernels.gatv2AttentionBackward(v2, alpha, gradOut, {
        gradXl,
        gradXr,
        gradEdge: null,
        gradAtt,
      });
    });
    const gradX = new Float32Array(graph.numSrc * H * C);
    const gradScoreSrc = new Float32Array(graph.numSrc * H);
    const gradScoreDst = new Float32Array(graph.numDst * H);
    measure(`GAT attention fwd+bwd, ${label}`, 21, wasm, (kernels) => {
      kernels.gatAttentionForward(gat, { out, alpha });
      kernels.gatAttentionBackward(gat, alpha, gradOut, {
        gradX,
        gradScoreSrc,
        gradScoreDst,
        gradScoreEdge: null,
      });
    });
  }

  if (!quick) {
    const [H, C] = [8, 8];
    const graph = randomGraph(1_000_000, 9_000_000, rng);
    const E = graph.src.length;
    const label = `1M nodes / ${(E / 1e6).toFixed(0)}M edges, ${H}×${C}`;
    const out = new Float32Array(graph.numDst * H * C);
    const alpha = new Float32Array(E * H);
    const v2 = gatv2Args(graph, H, C, rng);
    measure(`GATv2 attention forward, ${label}`, 3, wasm, (kernels) =>
      kernels.gatv2AttentionForward(v2, { out, alpha }),
    );
    const gat = gatArgs(graph, H, C, rng);
    measure(`GAT attention forward, ${label}`, 3, wasm, (kernels) =>
      kernels.gatAttentionForward(gat, { out, alpha }),
    );
  }
}

await main();
