import { describe, expect, it } from 'vitest';
import { addRowVector } from '../../src/autograd/ops/elementwise.js';
import { linear } from '../../src/autograd/ops/linear.js';
import { matmul } from '../../src/autograd/ops/matmul.js';
import { transpose } from '../../src/autograd/ops/shape.js';
import { spmm } from '../../src/autograd/ops/sparse.js';
import { backward, constant, parameter, type Variable } from '../../src/autograd/variable.js';
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

const TIGHT = { atol: 1e-12, rtol: 1e-12 };

/** Value and parameter gradients of `f` under a fixed upstream gradient. */
function run(f: () => Variable, params: Variable[], seed: number): number[][] {
  for (const p of params) p.zeroGrad();
  const y = f();
  backward(y, randomTensor([...y.shape], seed));
  return [Array.from(y.data), ...params.map((p) => Array.from(p.grad!.data))];
}

describe('linear', () => {
  it('dense: equals matmul(x, W, transB) + bias, forward and backward', () => {
    const x = parameter(randomTensor([5, 3], 1));
    const w = parameter(randomTensor([4, 3], 2));
    const b = parameter(randomTensor([4], 3));
    const fused = run(() => linear(x, w, b), [x, w, b], 4);
    const composed = run(() => addRowVector(matmul(x, w, { transB: true }), b), [x, w, b], 4);
    fused.forEach((v, i) => expectAllClose(v, composed[i] ?? [], TIGHT, `output ${i}`));
  });

  it('sparse: equals spmm(A, Wᵀ) + bias, forward and backward', () => {
    const a = sample();
    const w = parameter(randomTensor([2, 3], 5));
    const b = parameter(randomTensor([2], 6));
    const fused = run(() => linear(a, w, b), [w, b], 7);
    const composed = run(() => addRowVector(spmm(a, transpose(w)), b), [w, b], 7);
    fused.forEach((v, i) => expectAllClose(v, composed[i] ?? [], TIGHT, `output ${i}`));
  });

  it('gradcheck: dense with and without bias, sparse with bias', () => {
    expectGradientsMatch(
      (x, w, b) => linear(x, w, b),
      [randomTensor([4, 3], 8), randomTensor([5, 3], 9), randomTensor([5], 10)],
    );
    expectGradientsMatch(
      (x, w) => linear(x, w, null),
      [randomTensor([4, 3], 11), randomTensor([2, 3], 12)],
    );
    const a = sample();
    expectGradientsMatch(
      (w, b) => linear(a, w, b),
      [randomTensor([3, 3], 13), randomTensor([3], 14)],
    );
  });

  it('keeps float32 and skips gradients nobody needs', () => {
    const x = constant(randomTensor([3, 2], 1, 'float32'));
    const w = parameter(randomTensor([2, 2], 2, 'float32'));
    const b = constant(randomTensor([2], 3, 'float32'));
    const y = linear(x, w, b);
    expect(y.data).toBeInstanceOf(Float32Array);
    backward(y, Tensor.full([3, 2], 1));
    expect(w.grad!.data).toBeInstanceOf(Float32Array);
    expect(b.grad).toBeNull();
    expect(
      linear(sample('float32'), parameter(randomTensor([2, 3], 4, 'float32')), null).data,
    ).toBeInstanceOf(Float32Array);
  });

  it('rejects mismatched shapes with the op named', () => {
    const w = parameter(randomTensor([2, 3], 1));
    expect(() => linear(constant(Tensor.zeros([4, 2], 'float64')), w, null)).toThrow(
      'linear: x has shape [4, 2], weight expects 3 columns (weight shape [2, 3])',
    );
    expect(() => linear(sample(), parameter(randomTensor([2, 4], 1)), null)).toThrow(
      'linear: x has 3 columns, weight expects 4 (weight shape [2, 4])',
    );
    expect(() => linear(sample(), w, parameter(randomTensor([3], 2)))).toThrow(
      'linear: bias must have 2 elements (the rows of weight), found shape [3]',
    );
    expect(() => linear(sample(), parameter(randomTensor([3], 2)), null)).toThrow(
      'linear: weight must be 2-D',
    );
    const bad = { ...sample(), colIdx: Int32Array.from([0, 2, 1, 0, 3, 0]) };
    expect(() => linear(bad, w, null)).toThrow(
      'linear: a.colIdx[4] is 3, expected an integer in [0, 3)',
    );
  });
});
