/**
 * GEMM, every implementation against a float64 oracle: all transpose variants, overwrite and
 * accumulate, both precisions, and sizes chosen to break SIMD tails and tiling (1, 7, 33,
 * 65 and exact multiples of 4 and 16), including empty dimensions.
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../../src/kernels/kernels.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { type DType, type FloatArray, allocate } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { implementations } from '../helpers/implementations.js';

/** [m, n, k] */
const SIZES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [1, 7, 33],
  [7, 1, 65],
  [33, 65, 7],
  [65, 33, 1],
  [7, 7, 7],
  [33, 33, 33],
  [65, 65, 65],
  [64, 64, 64],
  [16, 48, 32],
  [1, 65, 65],
  [65, 1, 65],
  [2, 3, 4],
  [5, 9, 0],
  [0, 4, 3],
  [4, 0, 3],
];

function randomArray(dtype: DType, length: number, rng: Random): FloatArray {
  const a = allocate(dtype, length);
  for (let i = 0; i < length; i++) a[i] = rng.uniformIn(-1, 1);
  return a;
}

/** out0 + op(A) · op(B) in float64, A and B read through the same strides as the contract. */
function oracle(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
  out0: FloatArray | null,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = out0 === null ? 0 : out0[i * n + j]!;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i]! : a[i * k + p]!;
        const bv = transB ? b[j * k + p]! : b[p * n + j]!;
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

function tolerance(dtype: DType, k: number): { atol: number; rtol: number } {
  return dtype === 'float32'
    ? { atol: 2e-6 * (k + 1), rtol: 1e-5 }
    : { atol: 1e-13 * (k + 1), rtol: 1e-12 };
}

const SENTINEL = 12345;

function check(
  impl: Kernels,
  dtype: DType,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
  [m, n, k]: readonly [number, number, number],
  rng: Random,
): void {
  const a = randomArray(dtype, m * k, rng);
  const b = randomArray(dtype, k * n, rng);
  // Slots past m·n hold a sentinel: a kernel must not write beyond its output.
  const out = allocate(dtype, m * n + 3).fill(SENTINEL);
  if (accumulate) out.set(randomArray(dtype, m * n, rng));
  else out.fill(Number.NaN, 0, m * n); // must be overwritten, not added to
  const expected = oracle(transA, transB, m, n, k, a, b, accumulate ? out.slice(0, m * n) : null);
  impl.gemm({ transA, transB, m, n, k, a, b, out, accumulate });
  const label = `${impl.name} ${dtype} transA=${transA} transB=${transB} accumulate=${accumulate} m=${m} n=${n} k=${k}`;
  expectAllClose(out.subarray(0, m * n), expected, tolerance(dtype, k), label);
  expect(Array.from(out.subarray(m * n)), `${label}: past the output`).toEqual([
    SENTINEL,
    SENTINEL,
    SENTINEL,
  ]);
}

for (const impl of implementations) {
  describe(`gemm: ${impl.name}`, () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const accumulate of [false, true]) {
            it(`${dtype} transA=${transA} transB=${transB} accumulate=${accumulate}`, () => {
              const rng = new Random(17);
              for (const size of SIZES) check(impl, dtype, transA, transB, accumulate, size, rng);
            });
          }
        }
      }

      it(`${dtype} operands that are views into larger buffers`, () => {
        const rng = new Random(5);
        const [m, n, k] = [7, 33, 65];
        const aBuf = randomArray(dtype, m * k + 9, rng);
        const bBuf = randomArray(dtype, k * n + 5, rng);
        const outBuf = allocate(dtype, m * n + 6).fill(SENTINEL);
        const a = aBuf.subarray(3, 3 + m * k);
        const b = bBuf.subarray(1, 1 + k * n);
        const out = outBuf.subarray(2, 2 + m * n);
        impl.gemm({ transA: false, transB: true, m, n, k, a, b, out, accumulate: false });
        expectAllClose(out, oracle(false, true, m, n, k, a, b, null), tolerance(dtype, k));
        expect([...outBuf.subarray(0, 2), ...outBuf.subarray(2 + m * n)]).toEqual(
          Array<number>(6).fill(SENTINEL),
        );
      });

      it(`${dtype} a larger product (tiles and tails at once)`, () => {
        const rng = new Random(9);
        check(impl, dtype, false, false, false, [131, 97, 259], rng);
        check(impl, dtype, true, true, true, [97, 131, 129], rng);
      });
    }
  });
}

describe('gemm: wasm streaming through a small arena', async () => {
  // 1 KiB chunks: every product below streams. Aᵀ·B (A [k, m], B [k, n]) goes in chunks of
  // k, added into out; the others in chunks of rows of out.
  const chunked = await loadWasmKernels({ chunkBytes: 1024 });
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const accumulate of [false, true]) {
        it(`transA=${transA} transB=${transB} accumulate=${accumulate}`, () => {
          const rng = new Random(23);
          for (const size of [...SIZES, [7, 33, 1000], [64, 5, 301], [3, 3, 2000]] as const) {
            check(chunked, 'float32', transA, transB, accumulate, size, rng);
          }
        });
      }
    }
  }
});
