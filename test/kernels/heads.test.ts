/**
 * Per-head dot products (headDot) and their backward, every implementation against float64
 * oracles: head and channel counts that break the SIMD width, null outputs, and a
 * WebAssembly instance with tiny chunks so rows stream through the arena in blocks.
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../../src/kernels/kernels.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { type DType, type FloatArray, allocate } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { implementations } from '../helpers/implementations.js';

const chunked = { ...(await loadWasmKernels({ chunkBytes: 256 })), name: 'wasm-chunked' };
const ALL: Kernels[] = [...implementations, chunked];
const SHAPES: [number, number, number][] = [
  [0, 2, 3],
  [1, 1, 1],
  [7, 1, 7],
  [5, 3, 5],
  [9, 4, 4],
  [33, 8, 8],
  [6, 8, 17],
];
const DTYPES: DType[] = ['float32', 'float64'];

function randomArray(dtype: DType, length: number, rng: Random): FloatArray {
  const a = allocate(dtype, length);
  for (let i = 0; i < length; i++) a[i] = rng.uniformIn(-2, 2);
  return a;
}

function oracle(x: FloatArray, att: FloatArray, g: FloatArray, rows: number, H: number, C: number) {
  const W = H * C;
  const out = new Float64Array(rows * H);
  const gradX = new Float64Array(rows * W);
  const gradAtt = new Float64Array(W);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < H; h++) {
      for (let c = 0; c < C; c++) {
        const xi = r * W + h * C + c;
        out[r * H + h]! += x[xi]! * att[h * C + c]!;
        gradX[xi] = g[r * H + h]! * att[h * C + c]!;
        gradAtt[h * C + c]! += g[r * H + h]! * x[xi]!;
      }
    }
  }
  return { out, gradX, gradAtt };
}

describe.each(ALL.map((k) => [k.name, k] as const))('headDot kernels: %s', (_name, k) => {
  for (const dtype of DTYPES) {
    for (const [rows, H, C] of SHAPES) {
      it(`${dtype} rows=${rows} H=${H} C=${C}`, () => {
        const rng = new Random(rows * 31 + H * 7 + C);
        const W = H * C;
        const x = randomArray(dtype, rows * W, rng);
        const att = randomArray(dtype, W, rng);
        const g = randomArray(dtype, rows * H, rng);
        const want = oracle(x, att, g, rows, H, C);
        const tol = dtype === 'float32' ? { atol: 1e-4, rtol: 1e-4 } : { atol: 1e-12, rtol: 1e-12 };
        const out = allocate(dtype, rows * H).fill(99);
        k.headDot(x, att, rows, H, C, out);
        expectAllClose(out, want.out, tol);
        const gradX = allocate(dtype, rows * W).fill(99);
        const gradAtt = allocate(dtype, W).fill(99);
        k.headDotBackward(x, att, g, rows, H, C, gradX, gradAtt);
        expectAllClose(gradX, want.gradX, tol);
        expectAllClose(gradAtt, want.gradAtt, tol);
        // Either output alone, the other null.
        const onlyAtt = allocate(dtype, W).fill(7);
        k.headDotBackward(x, att, g, rows, H, C, null, onlyAtt);
        expectAllClose(onlyAtt, want.gradAtt, tol);
        const onlyX = allocate(dtype, rows * W).fill(7);
        k.headDotBackward(x, att, g, rows, H, C, onlyX, null);
        expectAllClose(onlyX, want.gradX, tol);
        expect(out.length).toBe(rows * H);
      });
    }
  }
});

describe.each(ALL.map((k) => [k.name, k] as const))('row-vector kernels: %s', (_name, k) => {
  for (const dtype of DTYPES) {
    for (const [rows, n] of [
      [0, 3],
      [1, 1],
      [3, 0],
      [5, 7],
      [33, 64],
      [70, 9],
      // Every block width of the wasm column sums: 32 + 16 + 4 + 1 columns, and 3 × 32 + 4.
      [6, 53],
      [4, 100],
      [5, 16],
    ] as [number, number][]) {
      it(`${dtype} rows=${rows} n=${n}`, () => {
        const rng = new Random(rows * 13 + n);
        const x = randomArray(dtype, rows * n, rng);
        const v = randomArray(dtype, n, rng);
        const tol = dtype === 'float32' ? { atol: 1e-4, rtol: 1e-4 } : { atol: 1e-12, rtol: 1e-12 };
        const sum = new Float64Array(rows * n);
        const cols = new Float64Array(n);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < n; c++) {
            sum[r * n + c] = x[r * n + c]! + v[c]!;
            cols[c]! += x[r * n + c]!;
          }
        }
        const out = allocate(dtype, rows * n).fill(99);
        k.addRowVector(x, v, rows, n, out);
        expectAllClose(out, sum, tol);
        const xCopy = x.slice();
        k.addRowVector(xCopy, v, rows, n, xCopy); // out may be x
        expectAllClose(xCopy, sum, tol);
        const sums = allocate(dtype, n).fill(99);
        k.columnSums(x, rows, n, sums);
        expectAllClose(sums, cols, tol);
      });
    }
  }
});

describe('addInto (WebAssembly) with one side already in its memory', () => {
  // The resident side is used in place while the other streams through the arena in chunks
  // (64 floats here), so each chunk must meet its own offset on both sides.
  it.each(['target', 'source'] as const)('resident %s, over several chunks', async (which) => {
    const k = await loadWasmKernels({ chunkBytes: 256 });
    const storage = k.poolStorage!;
    const rng = new Random(which === 'target' ? 31 : 32);
    for (const length of [1, 63, 64, 65, 200, 1001]) {
      const target = randomArray('float32', length + 2, rng) as Float32Array;
      const source = randomArray('float32', length + 2, rng) as Float32Array;
      const want = Array.from(target, (t, i) => (i < length ? t + source[i]! : t));
      const inside = storage.allocate(length + 2)!;
      inside.set(which === 'target' ? target : source);
      if (which === 'target') {
        k.addInto(inside, source, length);
        expectAllClose(inside, want, { atol: 1e-6, rtol: 1e-6 }, `length ${length}`);
      } else {
        k.addInto(target, inside, length);
        expectAllClose(target, want, { atol: 1e-6, rtol: 1e-6 }, `length ${length}`);
      }
      storage.release(inside);
    }
  });
});

describe.each(ALL.map((k) => [k.name, k] as const))('addInto: %s', (_name, k) => {
  for (const dtype of DTYPES) {
    for (const length of [0, 1, 3, 4, 5, 17, 1001]) {
      it(`${dtype} length=${length}`, () => {
        const rng = new Random(length + 5);
        const target = randomArray(dtype, length + 2, rng);
        const source = randomArray(dtype, length + 2, rng);
        const want = Array.from(target, (t, i) => (i < length ? t + source[i]! : t));
        k.addInto(target, source, length);
        expectAllClose(
          target,
          want,
          dtype === 'float32' ? { atol: 1e-6, rtol: 1e-6 } : { atol: 0, rtol: 0 },
        );
      });
    }
  }
});
