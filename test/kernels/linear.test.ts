/**
 * sparseLinear (A · Wᵀ + b for W stored [O, F]) and its parameter gradients, every
 * implementation against float64 oracles on a dense copy of A; empty rows, duplicate
 * columns, widths that break SIMD tails, and a WebAssembly instance with tiny chunks.
 */
import { describe, expect, it } from 'vitest';
import type { CsrMatrix, Kernels } from '../../src/kernels/kernels.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { type DType, type FloatArray, allocate } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { implementations } from '../helpers/implementations.js';

const chunked = { ...(await loadWasmKernels({ chunkBytes: 256 })), name: 'wasm-chunked' };
const ALL: Kernels[] = [...implementations, chunked];

function randomCsr(
  rows: number,
  cols: number,
  perRow: number,
  dtype: DType,
  rng: Random,
): CsrMatrix {
  const rowPtr = new Int32Array(rows + 1);
  const colIdx: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (r % 3 !== 1 && perRow > 0) {
      const count = 1 + rng.int(perRow);
      for (let q = 0; q < count; q++) colIdx.push(rng.int(cols));
      colIdx.push(colIdx[colIdx.length - 1]!); // a duplicate column adds up
    }
    rowPtr[r + 1] = colIdx.length;
  }
  const values = allocate(dtype, colIdx.length);
  for (let q = 0; q < values.length; q++) values[q] = rng.uniformIn(-1, 1);
  return { rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values };
}

function randomArray(dtype: DType, length: number, rng: Random): FloatArray {
  const a = allocate(dtype, length);
  for (let i = 0; i < length; i++) a[i] = rng.uniformIn(-1, 1);
  return a;
}

function densify(a: CsrMatrix): Float64Array {
  const d = new Float64Array(a.rows * a.cols);
  for (let r = 0; r < a.rows; r++) {
    for (let q = a.rowPtr[r]!; q < a.rowPtr[r + 1]!; q++)
      d[r * a.cols + a.colIdx[q]!]! += a.values[q]!;
  }
  return d;
}

/** [rows, F, entries per row at most] × O */
const CASES: readonly (readonly [number, number, number, number])[] = [
  [1, 1, 1, 1],
  [7, 9, 4, 7],
  [40, 17, 6, 16],
  [33, 50, 12, 33],
  [12, 21, 5, 52], // every SIMD block width: 32 + 16 + 4
  [5, 5, 0, 4],
  [0, 3, 0, 4],
];

describe.each(ALL.map((k) => [k.name, k] as const))('%s sparseLinear', (_, k) => {
  it.each(['float32', 'float64'] as const)('forward and parameter gradients (%s)', (dtype) => {
    const rng = new Random(9);
    const tol = dtype === 'float32' ? { atol: 1e-5, rtol: 1e-5 } : { atol: 1e-13, rtol: 1e-12 };
    for (const [rows, F, perRow, O] of CASES) {
      for (const withBias of [true, false]) {
        const a = randomCsr(rows, F, perRow, dtype, rng);
        const w = randomArray(dtype, O * F, rng);
        const b = withBias ? randomArray(dtype, O, rng) : null;
        const g = randomArray(dtype, rows * O, rng);
        const dense = densify(a);
        const ey = new Float64Array(rows * O);
        const egw = new Float64Array(O * F);
        const egb = new Float64Array(O);
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < O; o++) {
            let s = b === null ? 0 : b[o]!;
            for (let c = 0; c < F; c++) s += dense[r * F + c]! * w[o * F + c]!;
            ey[r * O + o] = s;
            egb[o]! += g[r * O + o]!;
            for (let c = 0; c < F; c++) egw[o * F + c]! += g[r * O + o]! * dense[r * F + c]!;
          }
        }
        const label = `${k.name} ${dtype} rows=${rows} F=${F} O=${O} bias=${withBias}`;
        const y = allocate(dtype, rows * O + 1).fill(NaN);
        y[rows * O] = 5;
        k.sparseLinear(a, w, O, b, y);
        expectAllClose(y.subarray(0, rows * O), ey, tol, `${label} out`);
        expect(y[rows * O]).toBe(5);
        const gw = allocate(dtype, O * F).fill(NaN); // overwritten, not added into
        const gb = allocate(dtype, O).fill(NaN);
        k.sparseLinearBackward(a, g, O, gw, gb);
        expectAllClose(gw, egw, tol, `${label} gradWeight`);
        expectAllClose(gb, egb, tol, `${label} gradBias`);
        const gwOnly = allocate(dtype, O * F);
        k.sparseLinearBackward(a, g, O, gwOnly, null);
        expectAllClose(gwOnly, egw, tol, `${label} gradWeight alone`);
        const gbOnly = allocate(dtype, O);
        k.sparseLinearBackward(a, g, O, null, gbOnly);
        expectAllClose(gbOnly, egb, tol, `${label} gradBias alone`);
      }
    }
  });
});
