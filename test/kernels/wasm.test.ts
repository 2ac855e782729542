/**
 * The WebAssembly kernels against the reference kernels, on random inputs of awkward sizes:
 * odd GEMM shapes and every transpose, CSR rows with no entries, channel counts that are not
 * multiples of the SIMD width, targets with no in-edges, duplicate edges, dropout and edge
 * features on and off, accumulate on and off. float32 in, compared with tolerances; float64
 * must be exactly the reference (it is delegated).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CsrMatrix, Kernels } from '../../src/kernels/kernels.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';

const F32 = { atol: 1e-4, rtol: 1e-4 };

let wasm: Kernels;
beforeAll(async () => {
  wasm = await loadWasmKernels();
});

function randomF32(length: number, rng: Random, scale = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.uniformIn(-scale, scale);
  return out;
}

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
            const actual = Float32Array.from(start);
            const args = { transA, transB, m, n, k, a, b, accumulate };
            referenceKernels.gemm({ ...args, out: expected });
            wasm.gemm({ ...args, out: actual });
            expectAllClose(actual, expected, F32, `gemm ${m}×${n}×${k}`);
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

describe('wasm spmm', () => {
  for (const n of [1, 3, 5, 8, 17, 64, 70]) {
    for (const accumulate of [false, true]) {
      it(`n=${n} accumulate=${accumulate}`, () => {
        const rng = new Random(n * 2 + (accumulate ? 1 : 0));
        const a = randomCsr(37, 29, 0.15, rng);
        const b = randomF32(a.cols * n, rng);
        const start = randomF32(a.rows * n, rng);
        const expected = Float32Array.from(start);
        const actual = Float32Array.from(start);
        referenceKernels.spmm(a, b, n, expected, accumulate);
        wasm.spmm(a, b, n, actual, accumulate);
        expectAllClose(actual, expected, F32, 'spmm');

        const bt = randomF32(a.rows * n, rng);
        const startT = randomF32(a.cols * n, rng);
        const expectedT = Float32Array.from(startT);
        const actualT = Float32Array.from(startT);
        referenceKernels.spmmTransposed(a, bt, n, expectedT, accumulate);
        wasm.spmmTransposed(a, bt, n, actualT, accumulate);
        expectAllClose(actualT, expectedT, F32, 'spmmTransposed');
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
