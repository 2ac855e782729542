import { describe, expect, it } from 'vitest';
import { gatherRows, scatterAddRows } from '../../src/autograd/ops/gather-scatter.js';
import { backward, constant, parameter } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

const exact = { atol: 0, rtol: 0 };

describe('gatherRows', () => {
  it('picks rows in index order, repeats allowed', () => {
    const x = constant(Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]));
    const y = gatherRows(x, Int32Array.from([2, 0, 2, 1]));
    expect(y.shape).toEqual([4, 2]);
    expectAllClose(y.data, [5, 6, 1, 2, 5, 6, 3, 4], exact);
  });

  it('keeps float32', () => {
    const y = gatherRows(constant(Tensor.from([1, 2], [2, 1], 'float32')), Int32Array.from([1]));
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [2], exact);
  });

  it('backward scatter-adds into repeated rows', () => {
    const x = parameter(Tensor.zeros([3, 2], 'float64'));
    const y = gatherRows(x, Int32Array.from([2, 0, 2]));
    backward(y, Tensor.from([1, 2, 3, 4, 5, 6], [3, 2], 'float64'));
    expectAllClose(x.grad!.data, [3, 4, 0, 0, 6, 8], exact);
  });

  it('gradcheck', () => {
    const index = Int32Array.from([3, 0, 0, 1, 3, 3]);
    expectGradientsMatch((x) => gatherRows(x, index), [randomTensor([4, 3], 1)]);
  });

  it('handles an empty index', () => {
    const y = gatherRows(constant(Tensor.zeros([2, 3])), new Int32Array(0));
    expect(y.shape).toEqual([0, 3]);
  });

  it('rejects bad inputs', () => {
    const x = constant(Tensor.zeros([3, 2]));
    expect(() => gatherRows(x, Int32Array.from([0, 3]))).toThrow(
      'gatherRows: index[1] is 3, expected an integer in [0, 3) (the rows of x)',
    );
    expect(() => gatherRows(x, Int32Array.from([-1]))).toThrow(/index\[0\] is -1/);
    expect(() => gatherRows(constant(Tensor.zeros([6])), Int32Array.from([0]))).toThrow(
      'gatherRows: x must be 2-D, found shape [6]',
    );
  });
});

describe('scatterAddRows', () => {
  it('sums rows into their targets, untouched rows stay zero', () => {
    const x = constant(Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]));
    const y = scatterAddRows(x, Int32Array.from([2, 0, 2]), 4);
    expect(y.shape).toEqual([4, 2]);
    expectAllClose(y.data, [3, 4, 0, 0, 6, 8, 0, 0], exact);
  });

  it('keeps float32', () => {
    const x = constant(Tensor.from([1, 2], [2, 1], 'float32'));
    const y = scatterAddRows(x, Int32Array.from([0, 0]), 1);
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [3], exact);
  });

  it('backward gathers', () => {
    const x = parameter(Tensor.zeros([3, 1], 'float64'));
    backward(
      scatterAddRows(x, Int32Array.from([1, 0, 1]), 2),
      Tensor.from([10, 20], [2, 1], 'float64'),
    );
    expectAllClose(x.grad!.data, [20, 10, 20], exact);
  });

  it('gradcheck', () => {
    const index = Int32Array.from([1, 4, 1, 0, 1]);
    expectGradientsMatch((x) => scatterAddRows(x, index, 6), [randomTensor([5, 3], 2)]);
  });

  it('rejects bad inputs', () => {
    const x = constant(Tensor.zeros([3, 2]));
    expect(() => scatterAddRows(x, Int32Array.from([0, 1]), 2)).toThrow(
      'scatterAddRows: index must have 3 entries (the rows of x), found 2',
    );
    expect(() => scatterAddRows(x, Int32Array.from([0, 1, 2]), 2)).toThrow(
      'scatterAddRows: index[2] is 2, expected an integer in [0, 2) (numRows)',
    );
    expect(() => scatterAddRows(x, Int32Array.from([0, 1, 1]), 1.5)).toThrow(
      'scatterAddRows: numRows must be a non-negative integer, found 1.5',
    );
  });
});
