/**
 * Dropout on sparse (CSR) input features: the dropped entries are removed, and the result
 * equals the dense dropout of the same mask — entry for entry and through a sparse linear map.
 */
import { describe, expect, it } from 'vitest';
import { dropoutScale } from '../../src/autograd/ops/dropout.js';
import type { CsrMatrix } from '../../src/kernels/kernels.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { dropoutCsr } from '../../src/nn/functional/dropout-csr.js';
import { Random } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';

function randomCsr(rows: number, cols: number, rng: Random): CsrMatrix {
  const rowPtr = new Int32Array(rows + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (rng.uniform() < 0.3) {
        colIdx.push(c);
        values.push(rng.uniformIn(0.1, 1));
      }
    }
    rowPtr[r + 1] = colIdx.length;
  }
  return { rows, cols, rowPtr, colIdx: Int32Array.from(colIdx), values: Float32Array.from(values) };
}

function densify(a: CsrMatrix): Float64Array {
  const d = new Float64Array(a.rows * a.cols);
  for (let r = 0; r < a.rows; r++) {
    for (let q = a.rowPtr[r]!; q < a.rowPtr[r + 1]!; q++)
      d[r * a.cols + a.colIdx[q]!]! += a.values[q]!;
  }
  return d;
}

describe('dropoutCsr', () => {
  it('is the identity when not training or p = 0', () => {
    const a = randomCsr(5, 7, new Random(1));
    expect(dropoutCsr(a, 0.5, new Random(2), false)).toBe(a);
    expect(dropoutCsr(a, 0, new Random(2), true)).toBe(a);
  });

  it('keeps exactly the entries the mask keeps, scaled, and drops the rest from the structure', () => {
    const rng = new Random(3);
    const a = randomCsr(40, 30, rng);
    for (const p of [0.1, 0.6, 0.95]) {
      const scale = dropoutScale(a.values.length, p, new Random(7), 'float32');
      const d = dropoutCsr(a, p, new Random(7), true);
      const expected = new Float64Array(a.rows * a.cols);
      let kept = 0;
      for (let r = 0; r < a.rows; r++) {
        for (let q = a.rowPtr[r]!; q < a.rowPtr[r + 1]!; q++) {
          expected[r * a.cols + a.colIdx[q]!] = Math.fround(scale[q]! * a.values[q]!);
          if (scale[q] !== 0) kept++;
        }
      }
      expect(d.values.length).toBe(kept);
      expect(d.colIdx.length).toBe(kept);
      expect(d.rowPtr[0]).toBe(0);
      expect(d.rowPtr[a.rows]).toBe(kept);
      expect(Array.from(d.values).every((v) => v !== 0)).toBe(true);
      expect(d.values).toBeInstanceOf(Float32Array);
      expectAllClose(densify(d), expected, { atol: 0, rtol: 0 });

      // Through a sparse linear map: the same as the uncompacted matrix with zeros stored.
      const O = 5;
      const weight = Float32Array.from({ length: O * a.cols }, () => rng.uniformIn(-1, 1));
      const zeros: CsrMatrix = {
        ...a,
        values: Float32Array.from(a.values, (v, q) => Math.fround(scale[q]! * v)),
      };
      const want = new Float32Array(a.rows * O);
      const got = new Float32Array(a.rows * O);
      referenceKernels.sparseLinear(zeros, weight, O, null, want);
      referenceKernels.sparseLinear(d, weight, O, null, got);
      expectAllClose(got, want, { atol: 0, rtol: 0 });
    }
  });
});
