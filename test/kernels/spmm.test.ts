/**
 * CSR × dense (spmm) and its transpose, every implementation against a float64 oracle that
 * first expands A to a dense matrix. The matrices have empty rows, duplicate and unsorted
 * columns within a row, and widths n that break SIMD tails.
 */
import { describe, expect, it } from 'vitest';
import type { CsrMatrix, Kernels } from '../../src/kernels/kernels.js';
import { Random } from '../../src/tensor/random.js';
import { type DType, type FloatArray, allocate } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { implementations } from '../helpers/implementations.js';

const WIDTHS = [1, 4, 7, 16, 33, 65];
/** [rows, cols, entries per non-empty row at most] */
const MATRICES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [6, 9, 4],
  [40, 17, 6],
  [17, 40, 12],
  [3, 5, 0], // no entries at all
  [0, 4, 0], // no rows
];

/** Every third row is empty; the others hold random unsorted columns plus a duplicate. */
function randomCsr(
  rows: number,
  cols: number,
  perRow: number,
  dtype: DType,
  rng: Random,
): CsrMatrix {
  const rowPtr = new Int32Array(rows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (r % 3 !== 1 && perRow > 0) {
      const count = 1 + rng.int(perRow);
      for (let q = 0; q < count; q++) colIdx.push(rng.int(cols));
      colIdx.push(colIdx[colIdx.length - 1]!); // duplicate column: its values add up
      while (values.length < colIdx.length) values.push(rng.uniformIn(-1, 1));
    }
    rowPtr[r + 1] = colIdx.length;
  }
  const v = allocate(dtype, values.length);
  v.set(values);
  return { rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values: v };
}

/** A as a dense float64 [rows, cols], duplicates summed. */
function densify(a: CsrMatrix): Float64Array {
  const d = new Float64Array(a.rows * a.cols);
  for (let r = 0; r < a.rows; r++) {
    for (let q = a.rowPtr[r]!; q < a.rowPtr[r + 1]!; q++) {
      d[r * a.cols + a.colIdx[q]!]! += a.values[q]!;
    }
  }
  return d;
}

/** out0 + op(A) · B in float64, for dense A [rows, cols]. */
function oracle(
  dense: Float64Array,
  rows: number,
  cols: number,
  transposed: boolean,
  b: FloatArray,
  n: number,
  out0: FloatArray | null,
): Float64Array {
  const outRows = transposed ? cols : rows;
  const inner = transposed ? rows : cols;
  const c = new Float64Array(outRows * n);
  for (let i = 0; i < outRows; i++) {
    for (let j = 0; j < n; j++) {
      let s = out0 === null ? 0 : out0[i * n + j]!;
      for (let p = 0; p < inner; p++) {
        const av = transposed ? dense[p * cols + i]! : dense[i * cols + p]!;
        s += av * b[p * n + j]!;
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

function randomArray(dtype: DType, length: number, rng: Random): FloatArray {
  const a = allocate(dtype, length);
  for (let i = 0; i < length; i++) a[i] = rng.uniformIn(-1, 1);
  return a;
}

const SENTINEL = 12345;

function check(
  impl: Kernels,
  dtype: DType,
  transposed: boolean,
  accumulate: boolean,
  [rows, cols, perRow]: readonly [number, number, number],
  n: number,
  rng: Random,
): void {
  const a = randomCsr(rows, cols, perRow, dtype, rng);
  const inner = transposed ? rows : cols;
  const outRows = transposed ? cols : rows;
  const b = randomArray(dtype, inner * n, rng);
  const out = allocate(dtype, outRows * n + 2).fill(SENTINEL);
  if (accumulate) out.set(randomArray(dtype, outRows * n, rng));
  else out.fill(Number.NaN, 0, outRows * n);
  const out0 = accumulate ? out.slice(0, outRows * n) : null;
  const expected = oracle(densify(a), rows, cols, transposed, b, n, out0);
  if (transposed) impl.spmmTransposed(a, b, n, out, accumulate);
  else impl.spmm(a, b, n, out, accumulate);
  const label = `${impl.name} ${transposed ? 'spmmTransposed' : 'spmm'} ${dtype} accumulate=${accumulate} rows=${rows} cols=${cols} n=${n}`;
  const tol = dtype === 'float32' ? { atol: 1e-5, rtol: 1e-5 } : { atol: 1e-13, rtol: 1e-12 };
  expectAllClose(out.subarray(0, outRows * n), expected, tol, label);
  expect(Array.from(out.subarray(outRows * n)), `${label}: past the output`).toEqual([
    SENTINEL,
    SENTINEL,
  ]);
}

for (const impl of implementations) {
  describe(`spmm: ${impl.name}`, () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const transposed of [false, true]) {
        for (const accumulate of [false, true]) {
          const name = transposed ? 'spmmTransposed' : 'spmm';
          it(`${name} ${dtype} accumulate=${accumulate}`, () => {
            const rng = new Random(23);
            for (const matrix of MATRICES) {
              for (const n of WIDTHS) check(impl, dtype, transposed, accumulate, matrix, n, rng);
            }
          });
        }
      }

      it(`${dtype} a hand-checked product: empty row, duplicate column`, () => {
        // A = [[1, 0, 2], [0, 0, 0], [4, 0, 5 + 0.5]] with column 2 of row 2 stored twice.
        const values = allocate(dtype, 5);
        values.set([1, 2, 4, 5, 0.5]);
        const a: CsrMatrix = {
          rows: 3,
          cols: 3,
          rowPtr: Int32Array.from([0, 2, 2, 5]),
          colIdx: Int32Array.from([2, 0, 0, 2, 2]),
          values: values,
        };
        const b = allocate(dtype, 3);
        b.set([1, 10, 100]);
        const out = allocate(dtype, 3);
        impl.spmm(a, b, 1, out, false);
        expect(Array.from(out)).toEqual([2 + 100, 0, 1 * 4 + 550]);
        impl.spmmTransposed(a, b, 1, out, false);
        // Aᵀ b with A as stored: col 0 gets 2·1 + 4·100, col 2 gets 1·1 + 5.5·100.
        expect(Array.from(out)).toEqual([402, 0, 551]);
      });

      it(`${dtype} operands that are views into larger buffers`, () => {
        const rng = new Random(3);
        const n = 33;
        const a = randomCsr(20, 11, 5, dtype, rng);
        const bBuf = randomArray(dtype, 11 * n + 7, rng);
        const outBuf = allocate(dtype, 20 * n + 4).fill(SENTINEL);
        const b = bBuf.subarray(5, 5 + 11 * n);
        const out = outBuf.subarray(1, 1 + 20 * n);
        impl.spmm(a, b, n, out, false);
        expectAllClose(
          out,
          oracle(densify(a), 20, 11, false, b, n, null),
          dtype === 'float32' ? { atol: 1e-5, rtol: 1e-5 } : { atol: 1e-13, rtol: 1e-12 },
        );
        expect([outBuf[0], ...outBuf.subarray(1 + 20 * n)]).toEqual(
          Array<number>(4).fill(SENTINEL),
        );
      });
    }
  });
}
