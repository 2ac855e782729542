import { describe, expect, it } from 'vitest';
import { reshape, transpose } from '../../src/autograd/ops/shape.js';
import { constant } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

const exact = { atol: 0, rtol: 0 };

describe('reshape', () => {
  it('keeps the elements in order and infers one -1', () => {
    const x = constant(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]));
    const y = reshape(x, [3, -1]);
    expect(y.shape).toEqual([3, 2]);
    expectAllClose(y.data, [1, 2, 3, 4, 5, 6], exact);
    expect(reshape(x, [6]).shape).toEqual([6]);
  });

  it('gradcheck (through a nonlinear consumer so the shape matters)', () => {
    expectGradientsMatch((x) => transpose(reshape(x, [2, 3])), [randomTensor([3, 2], 1)]);
  });

  it('rejects impossible shapes', () => {
    const x = constant(Tensor.zeros([2, 3]));
    expect(() => reshape(x, [4, 2])).toThrow(
      'reshape: shape [4, 2] needs 8 elements, x has 6 (shape [2, 3])',
    );
    expect(() => reshape(x, [4, -1])).toThrow(
      'reshape: cannot infer the -1 in [4, -1] for 6 elements',
    );
    expect(() => reshape(x, [-1, -1])).toThrow('at most one -1');
    expect(() => reshape(x, [1.5, 4])).toThrow('must hold non-negative integers');
  });
});

describe('transpose', () => {
  it('swaps rows and columns', () => {
    const y = transpose(constant(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3])));
    expect(y.shape).toEqual([3, 2]);
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [1, 4, 2, 5, 3, 6], exact);
  });

  it('gradcheck', () => {
    expectGradientsMatch((x) => transpose(x), [randomTensor([3, 5], 2)]);
  });

  it('rejects a non-matrix', () => {
    expect(() => transpose(constant(Tensor.zeros([2, 2, 2])))).toThrow(
      'transpose: x must be 2-D, found shape [2, 2, 2]',
    );
  });
});
