/**
 * The parallel kernels against the reference kernels on random inputs with awkward splits:
 * more threads than rows or targets (empty ranges), targets with no in-edges, a hub target,
 * a graph with no edges, k smaller than the thread count. Every case runs twice: on plain
 * arrays (copied into shared staging buffers) and on arrays already in SharedArrayBuffers.
 * Work thresholds are 0 so that even tiny calls are split.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backward, parameter } from '../../src/autograd/variable.js';
import { kernels as activeKernels, setKernels } from '../../src/kernels/backend.js';
import type { CsrMatrix, Kernels, TargetCsr } from '../../src/kernels/kernels.js';
import { createParallelKernels, type ParallelKernels } from '../../src/kernels/parallel/index.js';
import { splitAligned, splitByEntries, splitEvenly } from '../../src/kernels/parallel/partition.js';
import {
  DROPOUT_BLOCK,
  dropoutRange,
  PrivateBuffers,
  runTask,
} from '../../src/kernels/parallel/protocol.js';
import { dropoutMask } from '../../src/kernels/reference/elementwise.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { GATv2Conv } from '../../src/nn/gatv2-conv.js';
import { GATConv } from '../../src/nn/gat-conv.js';
import { Random } from '../../src/tensor/random.js';
import { allocateInt32, Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import {
  randomF32,
  randomGatArgs,
  randomGatv2Args,
  randomTargetGraph,
} from '../helpers/attention-inputs.js';

const F32 = { atol: 1e-4, rtol: 1e-4 };

/** Parallel kernel tables under test (created once: each starts worker threads). */
const parallel: ParallelKernels[] = [];

beforeAll(async () => {
  const wasm = await loadWasmKernels();
  const chunked = await loadWasmKernels({ chunkBytes: 2048 });
  parallel.push(await createParallelKernels({ threads: 2, base: wasm, minWork: 0 }));
  parallel.push(
    await createParallelKernels({ threads: 3, base: chunked, chunkBytes: 2048, minWork: 0 }),
  );
  parallel.push(await createParallelKernels({ threads: 5, base: referenceKernels, minWork: 0 }));
}, 60_000);

afterAll(() => {
  for (const p of parallel.reverse()) p.terminate();
});

/** A copy of `a` in a SharedArrayBuffer. */
function inShared<T extends Float32Array | Int32Array | null>(a: T): T;
function inShared(a: Float32Array | Int32Array | null): Float32Array | Int32Array | null {
  if (a === null) return null;
  if (a instanceof Int32Array) {
    const s = new Int32Array(new SharedArrayBuffer(Math.max(4, a.byteLength)), 0, a.length);
    s.set(a);
    return s;
  }
  const s = new Float32Array(new SharedArrayBuffer(Math.max(4, a.byteLength)), 0, a.length);
  s.set(a);
  return s;
}

type Placement = 'plain' | 'shared';
const placements: Placement[] = ['plain', 'shared'];
const place = <T extends Float32Array | Int32Array | null>(a: T, where: Placement): T =>
  where === 'shared' ? inShared(a) : a;

interface Csr32 extends CsrMatrix {
  readonly values: Float32Array;
}

function randomCsr(rows: number, cols: number, density: number, rng: Random): Csr32 {
  const rowPtr = new Int32Array(rows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (rng.uniform() > 0.25) {
      for (let c = 0; c < cols; c++) {
        if (rng.uniform() < density) {
          colIdx.push(c);
          values.push(rng.uniformIn(-1, 1));
        }
      }
    }
    rowPtr[r + 1] = colIdx.length;
  }
  return { rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values: Float32Array.from(values) };
}

/** 6 in-edges at most, 20 % of targets without, target 1 the hub. */
function randomGraph(numSrc: number, numDst: number, rng: Random, hubDegree = 0): TargetCsr {
  return randomTargetGraph(numSrc, numDst, rng, hubDegree, {
    hub: 1,
    empty: 0.2,
    maxDegree: 6,
    duplicates: 0.15,
  });
}

function emptyGraph(numSrc: number, numDst: number): TargetCsr {
  return { numSrc, numDst, ptr: new Int32Array(numDst + 1), src: new Int32Array(0) };
}

function placeGraph(g: TargetCsr, where: Placement): TargetCsr {
  return { ...g, ptr: place(g.ptr, where), src: place(g.src, where) };
}

describe('partition', () => {
  it('splits evenly, with empty ranges when parts outnumber items', () => {
    expect(splitEvenly(10, 3)).toEqual([0, 3, 6, 10]);
    expect(splitEvenly(2, 5)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(splitEvenly(0, 2)).toEqual([0, 0, 0]);
  });

  it('aligns boundaries to whole blocks, the last block short', () => {
    expect(splitAligned(10, 2, 4)).toEqual([0, 4, 10]);
    expect(splitAligned(10, 3, 4)).toEqual([0, 4, 8, 10]);
    expect(splitAligned(10, 4, 4)).toEqual([0, 0, 4, 8, 10]);
    expect(splitAligned(3, 2, 4)).toEqual([0, 0, 3]);
    expect(splitAligned(0, 2, 4)).toEqual([0, 0, 0]);
    expect(splitAligned(7, 2, 1)).toEqual(splitEvenly(7, 2));
  });

  it('balances CSR entries plus a per-item weight and never splits an item', () => {
    // Item 1 is a hub of 100 entries.
    const ptr = Int32Array.from([0, 1, 101, 102, 103, 104]);
    const bounds = splitByEntries(5, ptr, 2, 1);
    expect(bounds).toEqual([0, 2, 5]);
    expect(splitByEntries(5, ptr, 4, 1)).toEqual([0, 2, 2, 2, 5]);
    expect(splitByEntries(0, new Int32Array(1), 3, 1)).toEqual([0, 0, 0, 0]);
    // Absolute offsets (a sub-range of a bigger CSR) split the same way.
    const shifted = ptr.map((p) => p + 50);
    expect(splitByEntries(5, shifted, 2, 1)).toEqual(bounds);
  });
});

describe('parallel gemm', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [2, 3, 1],
    [7, 1, 33],
    [1, 65, 7],
    [7, 33, 65],
    [33, 7, 2],
    [130, 17, 300],
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const accumulate of [false, true]) {
        it(`transA=${transA} transB=${transB} accumulate=${accumulate}`, () => {
          const rng = new Random(21);
          for (const [m, n, k] of sizes) {
            const a = randomF32(m * k, rng);
            const b = randomF32(k * n, rng);
            const start = randomF32(m * n, rng);
            const expected = Float32Array.from(start);
            const args = { transA, transB, m, n, k, accumulate };
            referenceKernels.gemm({ ...args, a, b, out: expected });
            for (const kernels of parallel) {
              for (const where of placements) {
                const out = place(Float32Array.from(start), where);
                kernels.gemm({ ...args, a: place(a, where), b: place(b, where), out });
                expectAllClose(out, expected, F32, `${kernels.name} ${where} ${m}×${n}×${k}`);
              }
            }
          }
        });
      }
    }
  }

  it('delegates float64 to the base kernels exactly', () => {
    const rng = new Random(3);
    const a = Float64Array.from(randomF32(70 * 5, rng));
    const b = Float64Array.from(randomF32(5 * 3, rng));
    const expected = new Float64Array(210);
    const args = { transA: false, transB: false, m: 70, n: 3, k: 5, a, b, accumulate: false };
    referenceKernels.gemm({ ...args, out: expected });
    for (const kernels of parallel) {
      const actual = new Float64Array(210);
      kernels.gemm({ ...args, out: actual });
      expect(Array.from(actual)).toEqual(Array.from(expected));
    }
  });
});

describe('parallel spmm', () => {
  for (const rows of [1, 2, 37]) {
    for (const accumulate of [false, true]) {
      it(`rows=${rows} accumulate=${accumulate}`, () => {
        const rng = new Random(rows * 2 + (accumulate ? 1 : 0));
        const a = randomCsr(rows, 29, 0.15, rng);
        for (const n of [1, 5, 64]) {
          const b = randomF32(a.cols * n, rng);
          const start = randomF32(a.rows * n, rng);
          const expected = Float32Array.from(start);
          referenceKernels.spmm(a, b, n, expected, accumulate);
          const bt = randomF32(a.rows * n, rng);
          const startT = randomF32(a.cols * n, rng);
          const expectedT = Float32Array.from(startT);
          referenceKernels.spmmTransposed(a, bt, n, expectedT, accumulate);
          for (const kernels of parallel) {
            for (const where of placements) {
              const pa = { ...a, rowPtr: place(a.rowPtr, where), values: place(a.values, where) };
              const out = place(Float32Array.from(start), where);
              kernels.spmm(pa, place(b, where), n, out, accumulate);
              expectAllClose(out, expected, F32, `${kernels.name} ${where} spmm n=${n}`);
              const outT = place(Float32Array.from(startT), where);
              kernels.spmmTransposed(pa, place(bt, where), n, outT, accumulate);
              expectAllClose(outT, expectedT, F32, `${kernels.name} ${where} spmmᵀ n=${n}`);
            }
          }
        }
      });
    }
  }
});

interface AttentionCase {
  numDst: number;
  heads: number;
  channels: number;
  withEdge: boolean;
  withDrop: boolean;
  hubDegree: number;
  empty?: boolean;
}

const attentionCases: AttentionCase[] = [];
for (const numDst of [1, 2, 4, 41]) {
  for (const [heads, channels] of [
    [1, 3],
    [8, 8],
    [3, 5],
  ] as const) {
    for (const withEdge of [false, true]) {
      attentionCases.push({ numDst, heads, channels, withEdge, withDrop: !withEdge, hubDegree: 0 });
    }
  }
}
attentionCases.push({
  numDst: 30,
  heads: 8,
  channels: 17,
  withEdge: true,
  withDrop: true,
  hubDegree: 300,
});
attentionCases.push({
  numDst: 6,
  heads: 2,
  channels: 4,
  withEdge: false,
  withDrop: false,
  hubDegree: 0,
  empty: true,
});

const label = (c: AttentionCase): string =>
  `targets=${c.numDst} H=${c.heads} C=${c.channels} edge=${c.withEdge} drop=${c.withDrop}` +
  (c.hubDegree > 0 ? ` hub=${c.hubDegree}` : '') +
  (c.empty === true ? ' no edges' : '');

describe('parallel GATv2 attention', () => {
  attentionCases.forEach((c, index) => {
    it(label(c), () => {
      const rng = new Random(500 + index);
      const { heads: H, channels: C } = c;
      const HC = H * C;
      const graph =
        c.empty === true ? emptyGraph(19, c.numDst) : randomGraph(19, c.numDst, rng, c.hubDegree);
      const E = graph.src.length;
      const args = randomGatv2Args(graph, c, rng);
      const outStart = randomF32(graph.numDst * HC, rng);
      const expected = { out: Float32Array.from(outStart), alpha: randomF32(E * H, rng) };
      referenceKernels.gatv2AttentionForward(args, expected);
      const gradOut = randomF32(graph.numDst * HC, rng);
      const start = {
        gradXl: randomF32(graph.numSrc * HC, rng),
        gradXr: randomF32(graph.numDst * HC, rng),
        gradEdge: c.withEdge ? randomF32(E * HC, rng) : null,
        gradAtt: randomF32(HC, rng),
      };
      const fresh = (where: Placement): typeof start => ({
        gradXl: place(Float32Array.from(start.gradXl), where),
        gradXr: place(Float32Array.from(start.gradXr), where),
        gradEdge: start.gradEdge === null ? null : place(Float32Array.from(start.gradEdge), where),
        gradAtt: place(Float32Array.from(start.gradAtt), where),
      });
      const expectedGrad = fresh('plain');
      referenceKernels.gatv2AttentionBackward(args, expected.alpha, gradOut, expectedGrad);

      for (const kernels of parallel) {
        for (const where of placements) {
          const placed = {
            ...args,
            graph: placeGraph(graph, where),
            xl: place(args.xl, where),
            xr: place(args.xr, where),
            edge: place(args.edge, where),
            att: place(args.att, where),
            dropScale: place(args.dropScale, where),
          };
          const actual = {
            out: place(Float32Array.from(outStart), where),
            alpha: place(new Float32Array(E * H), where),
          };
          const what = `${kernels.name} ${where}`;
          kernels.gatv2AttentionForward(placed, actual);
          expectAllClose(actual.out, expected.out, F32, `${what} out`);
          expectAllClose(actual.alpha, expected.alpha, F32, `${what} alpha`);
          const grad = fresh(where);
          kernels.gatv2AttentionBackward(placed, place(expected.alpha, where), gradOut, grad);
          expectAllClose(grad.gradXl, expectedGrad.gradXl, F32, `${what} gradXl`);
          expectAllClose(grad.gradXr, expectedGrad.gradXr, F32, `${what} gradXr`);
          expectAllClose(grad.gradAtt, expectedGrad.gradAtt, F32, `${what} gradAtt`);
          if (c.withEdge) {
            expectAllClose(grad.gradEdge!, expectedGrad.gradEdge!, F32, `${what} gradEdge`);
          }
        }
      }
    });
  });
});

describe('parallel GAT attention', () => {
  attentionCases.forEach((c, index) => {
    it(label(c), () => {
      const rng = new Random(700 + index);
      const { heads: H, channels: C } = c;
      const HC = H * C;
      const graph =
        c.empty === true ? emptyGraph(19, c.numDst) : randomGraph(19, c.numDst, rng, c.hubDegree);
      const E = graph.src.length;
      const args = randomGatArgs(graph, c, rng);
      const outStart = randomF32(graph.numDst * HC, rng);
      const expected = { out: Float32Array.from(outStart), alpha: randomF32(E * H, rng) };
      referenceKernels.gatAttentionForward(args, expected);
      const gradOut = randomF32(graph.numDst * HC, rng);
      const start = {
        gradX: randomF32(graph.numSrc * HC, rng),
        gradScoreSrc: randomF32(graph.numSrc * H, rng),
        gradScoreDst: randomF32(graph.numDst * H, rng),
        gradScoreEdge: c.withEdge ? randomF32(E * H, rng) : null,
      };
      const fresh = (where: Placement): typeof start => ({
        gradX: place(Float32Array.from(start.gradX), where),
        gradScoreSrc: place(Float32Array.from(start.gradScoreSrc), where),
        gradScoreDst: place(Float32Array.from(start.gradScoreDst), where),
        gradScoreEdge:
          start.gradScoreEdge === null
            ? null
            : place(Float32Array.from(start.gradScoreEdge), where),
      });
      const expectedGrad = fresh('plain');
      referenceKernels.gatAttentionBackward(args, expected.alpha, gradOut, expectedGrad);

      for (const kernels of parallel) {
        for (const where of placements) {
          const placed = {
            ...args,
            graph: placeGraph(graph, where),
            x: place(args.x, where),
            scoreSrc: place(args.scoreSrc, where),
            scoreDst: place(args.scoreDst, where),
            scoreEdge: place(args.scoreEdge, where),
            dropScale: place(args.dropScale, where),
          };
          const actual = {
            out: place(Float32Array.from(outStart), where),
            alpha: place(new Float32Array(E * H), where),
          };
          const what = `${kernels.name} ${where}`;
          kernels.gatAttentionForward(placed, actual);
          expectAllClose(actual.out, expected.out, F32, `${what} out`);
          expectAllClose(actual.alpha, expected.alpha, F32, `${what} alpha`);
          const grad = fresh(where);
          kernels.gatAttentionBackward(placed, place(expected.alpha, where), gradOut, grad);
          expectAllClose(grad.gradX, expectedGrad.gradX, F32, `${what} gradX`);
          expectAllClose(grad.gradScoreSrc, expectedGrad.gradScoreSrc, F32, `${what} gSrc`);
          expectAllClose(grad.gradScoreDst, expectedGrad.gradScoreDst, F32, `${what} gDst`);
          if (c.withEdge) {
            expectAllClose(grad.gradScoreEdge!, expectedGrad.gradScoreEdge!, F32, `${what} gEdge`);
          }
        }
      }
    });
  });
});

/**
 * Element-wise kernels split only when every array is already shared (a staged copy would
 * cost as much as the call): on plain arrays they must run on the base kernels, unsplit.
 */
describe('parallel element-wise kernels', () => {
  const lengths = [0, 1, 5, 1001];
  const rowShapes: [number, number][] = [
    [0, 3],
    [1, 7],
    [2, 5],
    [37, 16],
    [130, 3],
  ];

  /** Runs `call` with every parallel table and placement; counts the split calls. */
  function eachPlacement(
    call: (k: ParallelKernels, where: Placement, what: string) => void,
    splitWhenShared = true,
  ): void {
    for (const k of parallel) {
      for (const where of placements) {
        const before = k.stats().parallelCalls;
        call(k, where, `${k.name} ${where}`);
        const split = k.stats().parallelCalls > before;
        expect(split, `${k.name} ${where} split`).toBe(where === 'shared' && splitWhenShared);
      }
    }
  }

  it('elu, eluBackward and eluBackwardFromOutput', () => {
    const rng = new Random(31);
    for (const n of lengths) {
      const x = randomF32(n, rng, 3);
      const g = randomF32(n, rng);
      const y = new Float32Array(n);
      referenceKernels.elu(x, 1.3, y, n);
      const gx = new Float32Array(n);
      referenceKernels.eluBackward(x, g, 1.3, gx, n);
      const gy = new Float32Array(n);
      referenceKernels.eluBackwardFromOutput(x, y, g, 1.3, gy, n);
      eachPlacement((k, where, what) => {
        const out = place(new Float32Array(n), where);
        k.elu(place(x, where), 1.3, out, n);
        expectAllClose(out, y, F32, `${what} elu n=${n}`);
        const gradX = place(new Float32Array(n), where);
        k.eluBackward(place(x, where), place(g, where), 1.3, gradX, n);
        expectAllClose(gradX, gx, F32, `${what} eluBackward n=${n}`);
        const gradY = place(new Float32Array(n), where);
        k.eluBackwardFromOutput(place(x, where), place(y, where), place(g, where), 1.3, gradY, n);
        expectAllClose(gradY, gy, F32, `${what} eluBackwardFromOutput n=${n}`);
      }, n >= 2);
    }
  });

  it('dropout: the same bits as the reference, across blocks of the hash', () => {
    const rng = new Random(32);
    // Several DROPOUT_BLOCKs, so that 3 and 5 threads get ranges starting inside the mask.
    for (const n of [0, 1, 1001, 3 * DROPOUT_BLOCK + 17]) {
      const mask = dropoutMask(0.4, rng.nextUint32(), rng.nextUint32());
      const x = randomF32(n, rng);
      const expected = new Float32Array(n);
      referenceKernels.dropout(mask, x, expected, n);
      const factors = new Float32Array(n);
      referenceKernels.dropout(mask, null, factors, n);
      eachPlacement((k, where, what) => {
        const out = place(new Float32Array(n), where);
        k.dropout(mask, place(x, where), out, n);
        expect(
          Array.from(out).every((v, i) => v === expected[i]),
          `${what} n=${n}`,
        ).toBe(true);
        const f = place(new Float32Array(n), where);
        k.dropout(mask, null, f, n);
        expect(
          Array.from(f).every((v, i) => v === factors[i]),
          `${what} mask n=${n}`,
        ).toBe(true);
      }, n >= 2);
    }
  });

  it('dropoutRange: a range from a block boundary equals that range of the whole mask', () => {
    const rng = new Random(33);
    const n = 2 * DROPOUT_BLOCK + 300;
    const mask = dropoutMask(0.3, rng.nextUint32(), rng.nextUint32());
    const whole = new Float32Array(n);
    referenceKernels.dropout(mask, null, whole, n);
    const part = new Float32Array(n - DROPOUT_BLOCK);
    dropoutRange(referenceKernels, mask, DROPOUT_BLOCK, null, part);
    expect(Array.from(part)).toEqual(Array.from(whole.subarray(DROPOUT_BLOCK)));
    expect(() => dropoutRange(referenceKernels, mask, 5, null, part)).toThrow(RangeError);
  });

  it('addInto', () => {
    const rng = new Random(34);
    for (const n of lengths) {
      const target = randomF32(n, rng);
      const source = randomF32(n, rng);
      const expected = Float32Array.from(target);
      referenceKernels.addInto(expected, source, n);
      eachPlacement((k, where, what) => {
        const t = place(Float32Array.from(target), where);
        k.addInto(t, place(source, where), n);
        expectAllClose(t, expected, F32, `${what} n=${n}`);
      }, n >= 2);
    }
  });

  it('addRowVector (also in place) and columnSums', () => {
    const rng = new Random(35);
    for (const [r, n] of rowShapes) {
      const x = randomF32(r * n, rng);
      const v = randomF32(n, rng);
      const expected = new Float32Array(r * n);
      referenceKernels.addRowVector(x, v, r, n, expected);
      const sums = new Float32Array(n);
      referenceKernels.columnSums(x, r, n, sums);
      eachPlacement((k, where, what) => {
        const out = place(new Float32Array(r * n), where);
        k.addRowVector(place(x, where), v, r, n, out);
        expectAllClose(out, expected, F32, `${what} addRowVector ${r}×${n}`);
        const inPlace = place(Float32Array.from(x), where);
        k.addRowVector(inPlace, v, r, n, inPlace);
        expectAllClose(inPlace, expected, F32, `${what} addRowVector in place ${r}×${n}`);
        const got = randomF32(n, rng); // overwritten
        k.columnSums(place(x, where), r, n, got);
        expectAllClose(got, sums, F32, `${what} columnSums ${r}×${n}`);
      }, r >= 2);
    }
  });

  it('headDot and headDotBackward', () => {
    const rng = new Random(36);
    for (const [r, H, C] of [
      [0, 2, 3],
      [1, 1, 5],
      [3, 8, 8],
      [41, 3, 5],
      [130, 4, 4],
    ] as const) {
      const HC = H * C;
      const x = randomF32(r * HC, rng);
      const att = randomF32(HC, rng);
      const g = randomF32(r * H, rng);
      const expected = new Float32Array(r * H);
      referenceKernels.headDot(x, att, r, H, C, expected);
      const gradX = new Float32Array(r * HC);
      const gradAtt = new Float32Array(HC);
      referenceKernels.headDotBackward(x, att, g, r, H, C, gradX, gradAtt);
      eachPlacement((k, where, what) => {
        const out = place(new Float32Array(r * H), where);
        k.headDot(place(x, where), att, r, H, C, out);
        expectAllClose(out, expected, F32, `${what} headDot ${r}×${H}×${C}`);
        const gx = place(randomF32(r * HC, rng), where);
        const ga = randomF32(HC, rng);
        k.headDotBackward(place(x, where), att, place(g, where), r, H, C, gx, ga);
        expectAllClose(gx, gradX, F32, `${what} gradX ${r}×${H}×${C}`);
        expectAllClose(ga, gradAtt, F32, `${what} gradAtt ${r}×${H}×${C}`);
        const gaOnly = randomF32(HC, rng);
        k.headDotBackward(place(x, where), att, place(g, where), r, H, C, null, gaOnly);
        expectAllClose(gaOnly, gradAtt, F32, `${what} gradAtt alone ${r}×${H}×${C}`);
      }, r >= 2);
    }
  });

  it('adamStep, in place and into an update buffer', () => {
    const rng = new Random(37);
    for (const n of lengths) {
      for (const weightDecay of [0, 0.01]) {
        const args = {
          lr: 0.01,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay,
          biasCorrection1: 1 - 0.9 ** 3,
          sqrtBiasCorrection2: Math.sqrt(1 - 0.999 ** 3),
        };
        const p = randomF32(n, rng);
        const g = randomF32(n, rng);
        const m = randomF32(n, rng, 0.1);
        const v = randomF32(n, rng, 0.1).map(Math.abs);
        const [ep, em, ev] = [p.slice(), m.slice(), v.slice()];
        referenceKernels.adamStep(args, ep, g, em, ev, null, n);
        const eu = new Float32Array(n);
        referenceKernels.adamStep(args, p.slice(), g, m.slice(), v.slice(), eu, n);
        eachPlacement((k, where, what) => {
          const tol = { atol: 1e-6, rtol: 1e-5 };
          const [p1, m1, v1] = [p, m, v].map((a) => place(a.slice(), where));
          k.adamStep(args, p1!, place(g, where), m1!, v1!, null, n);
          expectAllClose(p1!, ep, tol, `${what} θ n=${n}`);
          expectAllClose(m1!, em, tol, `${what} m n=${n}`);
          expectAllClose(v1!, ev, tol, `${what} v n=${n}`);
          const [p2, m2, v2] = [p, m, v].map((a) => place(a.slice(), where));
          const u = place(new Float32Array(n), where);
          k.adamStep(args, p2!, place(g, where), m2!, v2!, u, n);
          expect(Array.from(p2!)).toEqual(Array.from(p));
          expectAllClose(u, eu, tol, `${what} update n=${n}`);
        }, n >= 2);
      }
    }
  });

  it('float64 runs on the base kernels, unsplit', () => {
    const rng = new Random(38);
    const x = Float64Array.from(randomF32(1001, rng, 3));
    const expected = new Float64Array(1001);
    referenceKernels.elu(x, 1, expected, 1001);
    for (const k of parallel) {
      const out = new Float64Array(1001);
      const before = k.stats().parallelCalls;
      k.elu(x, 1, out, 1001);
      expect(k.stats().parallelCalls).toBe(before);
      expectAllClose(out, expected, { atol: 1e-12, rtol: 1e-12 }, `${k.name} float64 elu`);
    }
  });
});

describe('parallel kernels in the layers', () => {
  /** Random edges (no self-loops: the layers add them). */
  function randomEdges(n: number, e: number, rng: Random): { src: Int32Array; dst: Int32Array } {
    const src = new Int32Array(e);
    const dst = new Int32Array(e);
    for (let k = 0; k < e; k++) {
      src[k] = rng.int(n);
      dst[k] = (src[k]! + 1 + rng.int(n - 1)) % n;
    }
    return { src, dst };
  }

  for (const Layer of [GATv2Conv, GATConv]) {
    it(`${Layer.name}: forward and gradients match the reference kernels`, () => {
      const rng = new Random(9);
      const n = 300;
      const edges = randomEdges(n, 2000, rng);
      const xData = randomF32(n * 24, rng);
      const upstream = randomF32(n * 32, rng);
      const run = (k: Kernels): { out: Float32Array; grads: Float32Array[] } => {
        const previous = activeKernels();
        setKernels(k);
        try {
          const layer = new Layer({ inChannels: 24, outChannels: 8, heads: 4, seed: 3 });
          const x = parameter(Tensor.from(xData, [n, 24]));
          const out = layer.forward(x, edges);
          backward(out, Tensor.from(upstream, [n, 32]));
          const grads = [x, ...layer.parameters()].map((p) => Float32Array.from(p.grad!.data));
          return { out: Float32Array.from(out.data), grads };
        } finally {
          setKernels(previous);
        }
      };
      const expected = run(referenceKernels);
      for (const kernels of parallel) {
        const before = kernels.stats().parallelCalls;
        const actual = run(kernels);
        expect(kernels.stats().parallelCalls).toBeGreaterThan(before);
        expectAllClose(actual.out, expected.out, F32, `${kernels.name} out`);
        actual.grads.forEach((g, i) => {
          expectAllClose(g, expected.grads[i]!, { atol: 1e-3, rtol: 1e-3 }, `grad ${i}`);
        });
      }
    });
  }
});

describe("a worker's private buffers", () => {
  /** Storage with room for `capacity` floats at a time, recording what it lends and takes back. */
  function storageOf(capacity: number): {
    allocate(n: number): Float32Array | null;
    release(a: Float32Array): void;
    lent: number;
    released: number;
  } {
    let used = 0;
    return {
      lent: 0,
      released: 0,
      allocate(n) {
        if (used + n > capacity) return null;
        used += n;
        this.lent++;
        return new Float32Array(n);
      },
      release(a) {
        used -= a.length;
        this.released++;
      },
    };
  }

  it('come zeroed, are reused when long enough, and grow by giving the old one back', () => {
    const storage = storageOf(100);
    const buffers = new PrivateBuffers(storage);
    const a = buffers.zeroed(0, 10);
    a.fill(3);
    const again = buffers.zeroed(0, 8);
    expect(again.buffer).toBe(a.buffer);
    expect(Array.from(again)).toEqual(new Array(8).fill(0));
    expect(buffers.get(0).length).toBe(10);
    const slot1 = buffers.zeroed(1, 5);
    expect(slot1.buffer).not.toBe(a.buffer);
    const grown = buffers.zeroed(0, 60);
    expect(grown.length).toBe(60);
    expect(storage.released).toBe(1);
    expect(storage.lent).toBe(3);
    // No room left in the storage (5 + 96 > 100): an ordinary array, never given back to it.
    const big = buffers.zeroed(0, 96);
    expect(big.length).toBe(96);
    expect(storage.released).toBe(2);
    expect(storage.lent).toBe(3);
    buffers.zeroed(0, 97);
    expect(storage.released).toBe(2);
  });

  it('name an unknown slot, and refuse to run where there are none (the main thread)', () => {
    expect(() => new PrivateBuffers(null).get(2)).toThrow(/no private buffer 2/);
    const target = new Float32Array(4);
    expect(() =>
      runTask(referenceKernels, { kind: 'addPrivate', slot: 0, offset: 0, target }),
    ).toThrow(/addPrivate runs on a worker/);
  });
});

describe('parallel kernels: lifecycle', () => {
  it('allocates large float32 tensors in shared memory while active; after terminate runs on base', async () => {
    const k = await createParallelKernels({ threads: 2, base: referenceKernels, minWork: 0 });
    expect(Tensor.zeros([100, 100]).data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Tensor.zeros([3]).data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Tensor.zeros([100, 100], 'float64').data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(allocateInt32(10_000).buffer).toBeInstanceOf(SharedArrayBuffer);
    // Large ones are prefaulted (zeros written) by all the threads: still zeros.
    const big = Tensor.zeros([2 ** 22 + 5]).data;
    expect(big.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(big.every((v) => v === 0)).toBe(true);
    const bigInt = allocateInt32(2 ** 22 + 3);
    expect(bigInt.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(bigInt.every((v) => v === 0)).toBe(true);
    k.terminate();
    k.terminate(); // idempotent
    // The instances of beforeAll are still active: their allocator is back.
    expect(Tensor.zeros([100, 100]).data.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Without workers every call runs on the base kernels, still correct.
    const rng = new Random(8);
    const a = randomF32(64 * 64, rng);
    const expected = new Float32Array(4096);
    const actual = new Float32Array(4096);
    const args = { transA: false, transB: true, m: 64, n: 64, k: 64, a, b: a };
    referenceKernels.gemm({ ...args, out: expected, accumulate: false });
    k.gemm({ ...args, out: actual, accumulate: false });
    expect(Array.from(actual)).toEqual(Array.from(expected));
    expect(k.stats().parallelCalls).toBe(0);
  });

  it('stages nothing when every array a worker reads is already shared', () => {
    const k = parallel[0]!;
    const rng = new Random(4);
    const graph = placeGraph(randomGraph(50, 60, rng), 'shared');
    const E = graph.src.length;
    const before = k.stats().stagedBytes;
    k.gatv2AttentionForward(
      {
        graph,
        heads: 2,
        channels: 4,
        xl: inShared(randomF32(50 * 8, rng)),
        xr: inShared(randomF32(60 * 8, rng)),
        edge: null,
        att: inShared(randomF32(8, rng)),
        negativeSlope: 0.2,
        dropScale: null,
      },
      { out: inShared(new Float32Array(60 * 8)), alpha: inShared(new Float32Array(E * 2)) },
    );
    expect(k.stats().stagedBytes).toBe(before);
  });

  it('rejects a thread count that is not a positive integer', async () => {
    await expect(createParallelKernels({ threads: 0, base: referenceKernels })).rejects.toThrow(
      /threads/,
    );
  });

  it('does not keep the process alive without terminate()', () => {
    const module = fileURLToPath(new URL('../../src/kernels/parallel/index.ts', import.meta.url));
    const script = [
      `const { createParallelKernels } = await import(${JSON.stringify(module)});`,
      `const { referenceKernels } = await import(${JSON.stringify(module.replace(/parallel[/\\]index\.ts$/, 'reference/index.ts'))});`,
      'const k = await createParallelKernels({ threads: 3, base: referenceKernels });',
      "console.log('started', k.threads);",
    ].join('\n');
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(out.trim()).toBe('started 3');
  });
});
