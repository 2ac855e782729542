import { describe, expect, it } from 'vitest';
import { spmm } from '../../src/autograd/ops/sparse.js';
import { constant } from '../../src/autograd/variable.js';
import type { CsrMatrix } from '../../src/kernels/kernels.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

/** [[1, 0, 2], [0, 0, 0], [0, 3, 0], [4, 0, 5]] with an empty row; col 0 twice in row 3. */
function sample(dtype: 'float32' | 'float64' = 'float64'): CsrMatrix {
  const values = [1, 2, 3, 1.5, 5, 2.5];
  return {
    rows: 4,
    cols: 3,
    rowPtr: Int32Array.from([0, 2, 2, 3, 6]),
    colIdx: Int32Array.from([0, 2, 1, 0, 2, 0]),
    values: dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values),
  };
}

describe('spmm', () => {
  it('multiplies sparse by dense (duplicates add up, empty rows are zero)', () => {
    const b = constant(Tensor.from([1, 2, 3, 4, 5, 6], [3, 2], 'float32'));
    const y = spmm(sample('float32'), b);
    expect(y.shape).toEqual([4, 2]);
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [11, 14, 0, 0, 9, 12, 29, 38], { atol: 0, rtol: 0 });
  });

  it('gradcheck', () => {
    const a = sample();
    expectGradientsMatch((b) => spmm(a, b), [randomTensor([3, 5], 1)]);
  });

  it('rejects mismatched or malformed operands', () => {
    const a = sample();
    expect(() => spmm(a, constant(Tensor.zeros([4, 2])))).toThrow(
      'spmm: b must have 3 rows (the columns of a), found shape [4, 2]',
    );
    expect(() => spmm(a, constant(Tensor.zeros([3])))).toThrow('spmm: b must be 2-D');
    const b = constant(Tensor.zeros([3, 1]));
    expect(() => spmm({ ...a, colIdx: Int32Array.from([0, 2, 1, 0, 3, 0]) }, b)).toThrow(
      'spmm: a.colIdx[4] is 3, expected an integer in [0, 3) (the columns of a)',
    );
    expect(() => spmm({ ...a, rowPtr: Int32Array.from([0, 2, 2, 3]) }, b)).toThrow(
      'spmm: a.rowPtr must have 5 entries from 0 to nnz = 6',
    );
    expect(() => spmm({ ...a, rowPtr: Int32Array.from([0, 3, 2, 3, 6]) }, b)).toThrow(
      'spmm: a.rowPtr must not decrease, found 3 then 2 at row 1',
    );
    expect(() => spmm({ ...a, values: new Float64Array(5) }, b)).toThrow(
      'spmm: a.values must have 6 entries (as colIdx), found 5',
    );
  });
});
