/**
 * The WebAssembly kernels against the reference kernels, on random inputs of awkward sizes:
 * odd GEMM shapes and every transpose, CSR rows with no entries, channel counts that are not
 * multiples of the SIMD width, targets with no in-edges, duplicate edges, dropout and edge
 * features on and off, accumulate on and off. float32 in, compared with tolerances; float64
 * must be exactly the reference (it is delegated).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CsrMatrix, Kernels, TargetCsr } from '../../src/kernels/kernels.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import {
  copyOrNull,
  randomF32,
  randomGatArgs,
  randomGatv2Args,
  randomTargetGraph,
} from '../helpers/attention-inputs.js';
import { residentWasmKernels } from '../helpers/resident.js';

const F32 = { atol: 1e-4, rtol: 1e-4 };

let wasm: Kernels;
/**
 * A separate instance with tiny chunks, so every kernel runs over many row / target ranges,
 * and the attention kernels gather source rows even on these small graphs.
 */
let chunked: Kernels;
/** With every array, or some, already in WebAssembly memory (pooled storage, in place). */
let residentAll: Kernels;
let residentSome: Kernels;
beforeAll(async () => {
  wasm = await loadWasmKernels();
  chunked = await loadWasmKernels({ chunkBytes: 2048, gatherMinSourceBytes: 0 });
  residentAll = await residentWasmKernels('all');
  residentSome = await residentWasmKernels('some');
});

/** Random CSR with some empty rows and repeated column indices. */
function randomCsr(rows: number, cols: number, density: number, rng: Random): CsrMatrix {
  const rowPtr = new Int32Array(rows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (rng.uniform() > 0.2) {
      for (let c = 0; c < cols; c++) {
        if (rng.uniform() < density) {
          colIdx.push(c);
          values.push(rng.uniformIn(-1, 1));
          if (rng.uniform() < 0.05) {
            colIdx.push(c); // a duplicate entry: both count
            values.push(rng.uniformIn(-1, 1));
          }
        }
      }
    }
    rowPtr[r + 1] = colIdx.length;
  }
  return { rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values: Float32Array.from(values) };
}

describe('wasm gemm', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [7, 1, 33],
    [1, 65, 7],
    [7, 33, 65],
    [33, 7, 1],
    [65, 65, 33],
    [130, 17, 300], // more than one KC block and one MC block
    [5, 520, 9], // more than one NC block
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const accumulate of [false, true]) {
        it(`transA=${transA} transB=${transB} accumulate=${accumulate}`, () => {
          const rng = new Random(11);
          for (const [m, n, k] of sizes) {
            const a = randomF32(m * k, rng);
            const b = randomF32(k * n, rng);
            const start = randomF32(m * n, rng);
            const expected = Float32Array.from(start);
            const args = { transA, transB, m, n, k, a, b, accumulate };
            referenceKernels.gemm({ ...args, out: expected });
            for (const kernels of [wasm, chunked, residentAll, residentSome]) {
              const actual = Float32Array.from(start);
              kernels.gemm({ ...args, out: actual });
              expectAllClose(actual, expected, F32, `${kernels.name} gemm ${m}×${n}×${k}`);
            }
          }
        });
      }
    }
  }

  it('handles k = 0 and empty outputs', () => {
    const out = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const args = { transA: false, transB: false, m: 2, n: 3, k: 0 };
    const empty = new Float32Array(0);
    wasm.gemm({ ...args, a: empty, b: empty, out, accumulate: true });
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
    wasm.gemm({ ...args, a: empty, b: empty, out, accumulate: false });
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('delegates float64 to the reference exactly', () => {
    const rng = new Random(3);
    const a = Float64Array.from(randomF32(7 * 5, rng));
    const b = Float64Array.from(randomF32(5 * 3, rng));
    const expected = new Float64Array(21);
    const actual = new Float64Array(21);
    const args = { transA: false, transB: false, m: 7, n: 3, k: 5, a, b, accumulate: false };
    referenceKernels.gemm({ ...args, out: expected });
    wasm.gemm({ ...args, out: actual });
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });
});

/**
 * The skinny GEMM kernels (assembly/skinny.ts: one of m, n, k at most 16): each walk with k
 * and n tails (not multiples of 4, so partial vectors of B and C), row groups of every
 * height, chunks of p, the output layer's shapes on Cora, non-finite values, and no writes
 * past the output. Against the reference, through the copying, chunked and in-place paths.
 */
describe('wasm gemm: skinny shapes', () => {
  /** [m, n, k] */
  const shapes: [number, number, number][] = [
    // n ≤ 16: dot blocks (A not transposed) and rows blocks (A transposed).
    [37, 1, 64],
    [37, 3, 63],
    [38, 5, 17],
    [39, 7, 64],
    [41, 8, 65],
    [5, 11, 33],
    [6, 13, 4],
    [9, 15, 21],
    [13, 16, 5],
    [2, 9, 130],
    // k ≤ 16: B's rows in registers (A not transposed), rows blocks (transposed).
    [37, 64, 7],
    [38, 17, 1],
    [39, 21, 2],
    [40, 33, 3],
    [41, 65, 5],
    [3, 20, 8],
    [4, 36, 9],
    [7, 19, 16],
    [1, 100, 15],
    // m ≤ 16, long k: rows blocks over chunks of p, every group height.
    [1, 64, 300],
    [2, 17, 301],
    [3, 64, 257],
    [5, 33, 299],
    [6, 20, 300],
    [7, 64, 302],
    [9, 65, 131],
    [13, 24, 200],
    [16, 18, 150],
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const accumulate of [false, true]) {
        it(`transA=${transA} transB=${transB} accumulate=${accumulate}`, () => {
          const rng = new Random(23);
          for (const [m, n, k] of shapes) {
            const a = randomF32(m * k, rng);
            const b = randomF32(k * n, rng);
            // Three sentinels after the output: nothing may be written past m·n.
            const start = randomF32(m * n + 3, rng);
            const expected = Float32Array.from(start);
            const args = { transA, transB, m, n, k, a, b, accumulate };
            referenceKernels.gemm({ ...args, out: expected });
            for (const kernels of [wasm, chunked, residentAll, residentSome]) {
              const actual = Float32Array.from(start);
              kernels.gemm({ ...args, out: actual });
              expectAllClose(actual, expected, F32, `${kernels.name} gemm ${m}×${n}×${k}`);
              expect(Array.from(actual.subarray(m * n)), 'past the output').toEqual(
                Array.from(start.subarray(m * n)),
              );
            }
          }
        });
      }
    }
  }

  it("the output layer's shapes on Cora (7 classes, 64 hidden), both linear maps' products", () => {
    const rng = new Random(29);
    const [nodes, hidden, classes] = [2708, 64, 7];
    const x = randomF32(nodes * hidden, rng);
    const w = randomF32(classes * hidden, rng);
    const g = randomF32(nodes * classes, rng);
    const calls = [
      // forward x·Wᵀ, input gradient G·W, weight gradient Gᵀ·X
      { transA: false, transB: true, m: nodes, n: classes, k: hidden, a: x, b: w },
      { transA: false, transB: false, m: nodes, n: hidden, k: classes, a: g, b: w },
      { transA: true, transB: false, m: classes, n: hidden, k: nodes, a: g, b: x },
    ];
    for (const call of calls) {
      for (const accumulate of [false, true]) {
        const start = randomF32(call.m * call.n, rng);
        const expected = Float32Array.from(start);
        referenceKernels.gemm({ ...call, accumulate, out: expected });
        for (const kernels of [wasm, residentAll, residentSome]) {
          const actual = Float32Array.from(start);
          kernels.gemm({ ...call, accumulate, out: actual });
          expectAllClose(actual, expected, F32, `${kernels.name} ${call.m}×${call.n}×${call.k}`);
        }
      }
    }
  });

  it('p in several chunks of the packed B (k past 8192)', () => {
    const rng = new Random(31);
    // n = 16: 8192 values of p per chunk, in the dot walk (A not transposed) and the rows
    // walk (transposed); with m = 3 and B transposed the m ≤ 16 walk packs many chunks.
    for (const [m, n, k, transA, transB] of [
      [3, 16, 8203, false, true],
      [5, 16, 8197, true, false],
      [3, 20, 8201, false, true],
    ] as const) {
      const a = randomF32(m * k, rng, 0.1);
      const b = randomF32(k * n, rng, 0.1);
      for (const accumulate of [false, true]) {
        const start = randomF32(m * n, rng);
        const expected = Float32Array.from(start);
        const args = { transA, transB, m, n, k, a, b, accumulate };
        referenceKernels.gemm({ ...args, out: expected });
        for (const kernels of [wasm, residentAll]) {
          const actual = Float32Array.from(start);
          kernels.gemm({ ...args, out: actual });
          expectAllClose(actual, expected, F32, `${kernels.name} gemm ${m}×${n}×${k}`);
        }
      }
    }
  });

  it('infinities and NaN reach only the outputs they are in (padding lanes stay unseen)', () => {
    const rng = new Random(37);
    const shapes: [number, number, number][] = [
      [9, 7, 10],
      [9, 21, 7],
      [7, 21, 40],
    ];
    for (const [m, n, k] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = randomF32(m * k, rng);
          const b = randomF32(k * n, rng);
          // A's last value is the last row's (or column's) last term; B's first is B(0, 0).
          a[m * k - 1] = Number.POSITIVE_INFINITY;
          a[k + 1] = Number.NEGATIVE_INFINITY;
          b[0] = Number.NaN;
          const expected = new Float32Array(m * n);
          const args = { transA, transB, m, n, k, a, b, accumulate: false };
          referenceKernels.gemm({ ...args, out: expected });
          for (const kernels of [wasm, residentAll]) {
            const actual = new Float32Array(m * n);
            kernels.gemm({ ...args, out: actual });
            expectAllClose(actual, expected, F32, `${kernels.name} gemm ${m}×${n}×${k}`);
          }
        }
      }
    }
  });
});

describe('wasm spmm', () => {
  for (const n of [1, 3, 5, 8, 17, 64, 70]) {
    for (const accumulate of [false, true]) {
      it(`n=${n} accumulate=${accumulate}`, () => {
        const rng = new Random(n * 2 + (accumulate ? 1 : 0));
        const a = randomCsr(37, 29, 0.15, rng);
        const b = randomF32(a.cols * n, rng);
        const start = randomF32(a.rows * n, rng);
        const expected = Float32Array.from(start);
        referenceKernels.spmm(a, b, n, expected, accumulate);
        for (const kernels of [wasm, chunked, residentAll, residentSome]) {
          const actual = Float32Array.from(start);
          kernels.spmm(a, b, n, actual, accumulate);
          expectAllClose(actual, expected, F32, 'spmm');
        }

        const bt = randomF32(a.rows * n, rng);
        const startT = randomF32(a.cols * n, rng);
        const expectedT = Float32Array.from(startT);
        referenceKernels.spmmTransposed(a, bt, n, expectedT, accumulate);
        for (const kernels of [wasm, chunked, residentAll, residentSome]) {
          const actualT = Float32Array.from(startT);
          kernels.spmmTransposed(a, bt, n, actualT, accumulate);
          expectAllClose(actualT, expectedT, F32, 'spmmTransposed');
        }
      });
    }
  }

  it('delegates float64 to the reference exactly', () => {
    const rng = new Random(5);
    const a32 = randomCsr(9, 6, 0.4, rng);
    const a = { ...a32, values: Float64Array.from(a32.values) };
    const b = Float64Array.from(randomF32(6 * 3, rng));
    const expected = new Float64Array(27);
    const actual = new Float64Array(27);
    referenceKernels.spmm(a, b, 3, expected, false);
    wasm.spmm(a, b, 3, actual, false);
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });
});

/** 6 in-edges at most, 20 % of targets without, target 1 the hub. */
function randomGraph(numSrc: number, numDst: number, rng: Random, hubDegree = 0): TargetCsr {
  return randomTargetGraph(numSrc, numDst, rng, hubDegree, {
    hub: 1,
    empty: 0.2,
    maxDegree: 6,
    duplicates: 0.15,
  });
}

interface AttentionCase {
  heads: number;
  channels: number;
  withEdge: boolean;
  withDrop: boolean;
  hubDegree: number;
  /** LeakyReLU slope: 0.2 (PyG's default) unless a case says otherwise. */
  slope?: number;
}

const attentionCases: AttentionCase[] = [];
for (const heads of [1, 3, 8]) {
  for (const channels of [1, 3, 5, 8, 17]) {
    for (const withEdge of [false, true]) {
      for (const withDrop of [false, true]) {
        attentionCases.push({ heads, channels, withEdge, withDrop, hubDegree: 0 });
      }
    }
  }
}
// A hub wider than the gather buffer (128 KiB / (8·17·4 B) = 240 rows) and than one chunk.
attentionCases.push({ heads: 8, channels: 17, withEdge: true, withDrop: true, hubDegree: 300 });
// The kernels compute LeakyReLU as max(z, slope·z), valid for slope ≤ 1 (negative included);
// larger slopes go to the reference.
for (const slope of [-0.3, 1, 1.5]) {
  for (const [heads, channels] of [
    [8, 8],
    [1, 7],
  ] as const) {
    attentionCases.push({ heads, channels, withEdge: true, withDrop: true, hubDegree: 0, slope });
  }
}

// One head goes through the edges four at a time: C a multiple of 4, C > 8 (the row
// accumulated in memory rather than registers), and hubs wider than a block and than the
// gather buffer (128 KiB / (7·4 B) = 4681 rows: not reached, but over many blocks).
for (const channels of [4, 7, 12, 16]) {
  attentionCases.push({ heads: 1, channels, withEdge: true, withDrop: true, hubDegree: 0 });
}
attentionCases.push({ heads: 1, channels: 7, withEdge: true, withDrop: true, hubDegree: 300 });
attentionCases.push({ heads: 1, channels: 16, withEdge: false, withDrop: false, hubDegree: 70 });
attentionCases.push({ heads: 1, channels: 2, withEdge: false, withDrop: true, hubDegree: 9 });
// H a multiple of 4 and C not: heads as lanes (groups of four heads, swizzled weights), with
// one, two and three groups, and a hub wider than the gather buffer (128 KiB / (8·3·4 B) =
// 1365 rows); C = 19 takes the per-head forward and the heads-as-lanes backward.
for (const [heads, channels] of [
  [4, 3],
  [12, 2],
  [8, 6],
  [8, 19],
] as const) {
  attentionCases.push({ heads, channels, withEdge: true, withDrop: true, hubDegree: 0 });
}
attentionCases.push({ heads: 8, channels: 3, withEdge: true, withDrop: true, hubDegree: 1400 });
attentionCases.push({ heads: 4, channels: 5, withEdge: false, withDrop: false, hubDegree: 40 });

const label = (c: AttentionCase): string =>
  `H=${c.heads} C=${c.channels} edge=${c.withEdge} drop=${c.withDrop}` +
  (c.hubDegree > 0 ? ` hub=${c.hubDegree}` : '') +
  (c.slope === undefined ? '' : ` slope=${c.slope}`);

describe('wasm GATv2 attention', () => {
  attentionCases.forEach((c, index) => {
    it(label(c), () => {
      const rng = new Random(100 + index);
      const { heads: H, channels: C } = c;
      const HC = H * C;
      const graph = randomGraph(19, 23, rng, c.hubDegree);
      const E = graph.src.length;
      const args = randomGatv2Args(graph, c, rng);
      const expected = { out: randomF32(graph.numDst * HC, rng), alpha: randomF32(E * H, rng) };
      referenceKernels.gatv2AttentionForward(args, expected);
      const gradOut = randomF32(graph.numDst * HC, rng);
      const start = {
        gradXl: randomF32(graph.numSrc * HC, rng),
        gradXr: randomF32(graph.numDst * HC, rng),
        gradEdge: c.withEdge ? randomF32(E * HC, rng) : null,
        gradAtt: randomF32(HC, rng),
      };
      const expectedGrad = {
        gradXl: Float32Array.from(start.gradXl),
        gradXr: Float32Array.from(start.gradXr),
        gradEdge: copyOrNull(start.gradEdge),
        gradAtt: Float32Array.from(start.gradAtt),
      };
      referenceKernels.gatv2AttentionBackward(args, expected.alpha, gradOut, expectedGrad);

      for (const kernels of [wasm, chunked, residentAll, residentSome]) {
        const actual = { out: randomF32(graph.numDst * HC, rng), alpha: new Float32Array(E * H) };
        kernels.gatv2AttentionForward(args, actual);
        expectAllClose(actual.out, expected.out, F32, 'out');
        expectAllClose(actual.alpha, expected.alpha, F32, 'alpha');
        const grad = {
          gradXl: Float32Array.from(start.gradXl),
          gradXr: Float32Array.from(start.gradXr),
          gradEdge: copyOrNull(start.gradEdge),
          gradAtt: Float32Array.from(start.gradAtt),
        };
        kernels.gatv2AttentionBackward(args, expected.alpha, gradOut, grad);
        expectAllClose(grad.gradXl, expectedGrad.gradXl, F32, 'gradXl');
        expectAllClose(grad.gradXr, expectedGrad.gradXr, F32, 'gradXr');
        expectAllClose(grad.gradAtt, expectedGrad.gradAtt, F32, 'gradAtt');
        if (c.withEdge) expectAllClose(grad.gradEdge!, expectedGrad.gradEdge!, F32, 'gradEdge');
      }
    });
  });
});

describe('wasm GAT attention', () => {
  attentionCases.forEach((c, index) => {
    it(label(c), () => {
      const rng = new Random(300 + index);
      const { heads: H, channels: C } = c;
      const HC = H * C;
      const graph = randomGraph(19, 23, rng, c.hubDegree);
      const E = graph.src.length;
      const args = randomGatArgs(graph, c, rng);
      const expected = { out: randomF32(graph.numDst * HC, rng), alpha: randomF32(E * H, rng) };
      referenceKernels.gatAttentionForward(args, expected);
      const gradOut = randomF32(graph.numDst * HC, rng);
      const start = {
        gradX: randomF32(graph.numSrc * HC, rng),
        gradScoreSrc: randomF32(graph.numSrc * H, rng),
        gradScoreDst: randomF32(graph.numDst * H, rng),
        gradScoreEdge: c.withEdge ? randomF32(E * H, rng) : null,
      };
      const fresh = (): typeof start => ({
        gradX: Float32Array.from(start.gradX),
        gradScoreSrc: Float32Array.from(start.gradScoreSrc),
        gradScoreDst: Float32Array.from(start.gradScoreDst),
        gradScoreEdge: copyOrNull(start.gradScoreEdge),
      });
      const expectedGrad = fresh();
      referenceKernels.gatAttentionBackward(args, expected.alpha, gradOut, expectedGrad);

      for (const kernels of [wasm, chunked, residentAll, residentSome]) {
        const actual = { out: randomF32(graph.numDst * HC, rng), alpha: new Float32Array(E * H) };
        kernels.gatAttentionForward(args, actual);
        expectAllClose(actual.out, expected.out, F32, 'out');
        expectAllClose(actual.alpha, expected.alpha, F32, 'alpha');
        const grad = fresh();
        kernels.gatAttentionBackward(args, expected.alpha, gradOut, grad);
        expectAllClose(grad.gradX, expectedGrad.gradX, F32, 'gradX');
        expectAllClose(grad.gradScoreSrc, expectedGrad.gradScoreSrc, F32, 'gradScoreSrc');
        expectAllClose(grad.gradScoreDst, expectedGrad.gradScoreDst, F32, 'gradScoreDst');
        if (c.withEdge) {
          expectAllClose(grad.gradScoreEdge!, expectedGrad.gradScoreEdge!, F32, 'gradScoreEdge');
        }
      }
    });
  });
});
