/**
 * sparseLinear (A · Wᵀ + b for W stored [O, F]) and its parameter gradients, every
 * implementation against float64 oracles on a dense copy of A; empty rows, duplicate
 * columns, widths that break SIMD tails, and a WebAssembly instance with tiny chunks. Rows
 * whose values are all one number (bag-of-words features) have their own path in the
 * WebAssembly forward, so they are tested on their own, finite and not.
 */
import { describe, expect, it } from 'vitest';
import type { CsrMatrix, Kernels } from '../../src/kernels/kernels.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { type DType, type FloatArray, allocate } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { implementations } from '../helpers/implementations.js';

const chunked = { ...(await loadWasmKernels({ chunkBytes: 256 })), name: 'wasm-chunked' };
const ALL: Kernels[] = [...implementations, chunked];

/** `rowValue`: every stored value of row r is rowValue(r) (else independent uniform values). */
function randomCsr(
  rows: number,
  cols: number,
  perRow: number,
  dtype: DType,
  rng: Random,
  rowValue?: (r: number) => number,
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
  for (let r = 0; r < rows; r++) {
    for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++)
      values[q] = rowValue === undefined ? rng.uniformIn(-1, 1) : rowValue(r);
  }
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
  it('rows whose values are all one number, as bag-of-words features are (float32)', () => {
    const rng = new Random(21);
    // One value per row: row-normalised counts, a negative one, zero; every fourth row mixed.
    const rowValue = (r: number): number =>
      r % 4 === 3 ? rng.uniformIn(-1, 1) : [0.25, 1 / 3, -0.7, 0][r % 4]!;
    for (const O of [16, 7, 52, 64]) {
      const rows = 37;
      const F = 90;
      const a = randomCsr(rows, F, 9, 'float32', rng, rowValue);
      const w = randomArray('float32', O * F, rng);
      const b = randomArray('float32', O, rng);
      const dense = densify(a);
      const ey = new Float64Array(rows * O);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < O; o++) {
          let sum = b[o]!;
          for (let c = 0; c < F; c++) sum += dense[r * F + c]! * w[o * F + c]!;
          ey[r * O + o] = sum;
        }
      }
      const y = allocate('float32', rows * O).fill(NaN);
      k.sparseLinear(a, w, O, b, y);
      expectAllClose(y, ey, { atol: 1e-5, rtol: 1e-5 }, `${k.name} O=${O}`);
    }
  });

  it('rows of one non-finite value give what the per-entry sum gives (float32)', () => {
    const rng = new Random(22);
    const special = [Infinity, -Infinity, NaN, 1e30];
    const a = randomCsr(24, 30, 6, 'float32', rng, (r) => special[r % 4]!);
    for (const O of [16, 5]) {
      const w = randomArray('float32', O * 30, rng);
      w[3] = 0; // ∞·0 is NaN in one term only
      const expected = allocate('float32', 24 * O);
      referenceKernels.sparseLinear(a, w, O, null, expected);
      const y = allocate('float32', 24 * O);
      k.sparseLinear(a, w, O, null, y);
      for (let i = 0; i < y.length; i++) {
        const [got, want] = [y[i]!, expected[i]!];
        const label = `${k.name} O=${O} element ${i}`;
        if (!Number.isFinite(want)) {
          expect(got, label).toBe(want);
          continue;
        }
        // A finite row (1e30) cancels: the error scales with Σ|terms|, not with the result.
        const [r, o] = [Math.floor(i / O), i % O];
        let magnitude = 0;
        for (let q = a.rowPtr[r]!; q < a.rowPtr[r + 1]!; q++)
          magnitude += Math.abs(a.values[q]! * w[o * 30 + a.colIdx[q]!]!);
        expect(Math.abs(got - want), label).toBeLessThanOrEqual(1e-6 * magnitude);
      }
    }
  });
});

/** Float64 oracle of A · Wᵀ + b. */
function oracle(a: CsrMatrix, w: FloatArray, O: number, b: FloatArray | null): Float64Array {
  const dense = densify(a);
  const F = a.cols;
  const y = new Float64Array(a.rows * O);
  for (let r = 0; r < a.rows; r++) {
    for (let o = 0; o < O; o++) {
      let s = b === null ? 0 : b[o]!;
      for (let c = 0; c < F; c++) s += dense[r * F + c]! * w[o * F + c]!;
      y[r * O + o] = s;
    }
  }
  return y;
}

describe.each(ALL.map((k) => [k.name, k] as const))('%s sparseLinearMany', (_, k) => {
  it.each(['float32', 'float64'] as const)(
    'each projection as sparseLinear computes it, in one call (%s)',
    (dtype) => {
      const rng = new Random(31);
      // Rows of one value (bag-of-words) and rows of mixed values, as dropout leaves them.
      const rowValue = (r: number): number => (r % 3 === 0 ? rng.uniformIn(-1, 1) : 0.2);
      const rows = 37;
      const F = 90;
      const a = randomCsr(rows, F, 9, dtype, rng, rowValue);
      const widths = [16, 7, 0, 52];
      const projections = widths.map((O, i) => ({
        weight: randomArray(dtype, O * F, rng),
        outFeatures: O,
        bias: i % 2 === 0 ? randomArray(dtype, O, rng) : null,
        out: allocate(dtype, rows * O).fill(NaN),
      }));
      k.sparseLinearMany(a, projections);
      const tol = dtype === 'float32' ? { atol: 1e-5, rtol: 1e-5 } : { atol: 1e-13, rtol: 1e-12 };
      for (const p of projections) {
        const label = `${k.name} ${dtype} O=${p.outFeatures}`;
        const alone = allocate(dtype, rows * p.outFeatures);
        k.sparseLinear(a, p.weight, p.outFeatures, p.bias, alone);
        expect(Array.from(p.out), label).toEqual(Array.from(alone));
        expectAllClose(p.out, oracle(a, p.weight, p.outFeatures, p.bias), tol, label);
      }
    },
  );
});

describe('wasm sparseLinearMany with little scratch memory', () => {
  it('projections too large together go one at a time', async () => {
    // 2 GiB of memory with all but 1 MiB of it pooled: the scratch arena (what is left of
    // that MiB above the static data) holds one 300 × 300 projection (its panels and the
    // staging buffer for W, 720 KB) but not two (panels for both and one staging, 1.08 MB).
    const k = await loadWasmKernels({ poolStorageBytes: 2 ** 31 - 2 ** 20 });
    const rng = new Random(32);
    const [rows, F, O] = [20, 300, 300];
    const a = randomCsr(rows, F, 12, 'float32', rng);
    const projections = [0, 1].map(() => ({
      weight: randomArray('float32', O * F, rng),
      outFeatures: O,
      bias: randomArray('float32', O, rng),
      out: allocate('float32', rows * O).fill(NaN),
    }));
    k.sparseLinearMany(a, projections);
    for (const p of projections) {
      expectAllClose(p.out, oracle(a, p.weight, O, p.bias), { atol: 1e-5, rtol: 1e-5 }, 'out');
    }
  });
});

describe('loadWasmKernels options', () => {
  it.each([
    [
      { poolStorageBytes: 2 ** 31 },
      /poolStorageBytes must be an integer from 0 to \d+ .*found 2147483648/,
    ],
    [{ poolStorageBytes: -1 }, /poolStorageBytes .*found -1/],
    [{ poolStorageBytes: 1.5 }, /poolStorageBytes .*found 1.5/],
    [{ chunkBytes: 0 }, /chunkBytes must be a positive integer, found 0/],
    [{ gatherMinSourceBytes: -1 }, /gatherMinSourceBytes must be ≥ 0, found -1/],
  ])('rejects %o with an error that names it', async (options, message) => {
    await expect(loadWasmKernels(options)).rejects.toThrow(message);
  });
});
