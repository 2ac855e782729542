import { describe, expect, it } from 'vitest';
import { headDot, headMean, mulHeads } from '../../src/autograd/ops/heads.js';
import { constant } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

const exact = { atol: 0, rtol: 0 };

describe('headDot', () => {
  it('dots each head block with its slice of att', () => {
    // R = 2, H = 2, C = 2
    const x = constant(Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]));
    const att = constant(Tensor.from([1, -1, 2, 0.5], [1, 2, 2]));
    const y = headDot(x, att, 2);
    expect(y.shape).toEqual([2, 2]);
    expectAllClose(y.data, [1 - 2, 6 + 2, 5 - 6, 14 + 4], exact);
  });

  it('keeps float32', () => {
    const y = headDot(
      constant(Tensor.from([1, 2], [1, 2], 'float32')),
      constant(Tensor.from([3, 4], [2], 'float32')),
      1,
    );
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [11], exact);
  });

  it('gradcheck for x and a [1, H, C] att', () => {
    expectGradientsMatch(
      (x, a) => headDot(x, a, 3),
      [randomTensor([4, 6], 1), randomTensor([1, 3, 2], 2)],
    );
  });

  it('rejects bad inputs', () => {
    const x = constant(Tensor.zeros([2, 6]));
    expect(() => headDot(x, constant(Tensor.zeros([5])), 3)).toThrow(
      'headDot: att must have 6 elements (the last dimension of x), found 5 (shape [5])',
    );
    expect(() => headDot(x, constant(Tensor.zeros([6])), 4)).toThrow(
      'headDot: the last dimension of x (6) must be a multiple of heads (4)',
    );
    expect(() => headDot(x, constant(Tensor.zeros([6])), 0)).toThrow(
      'headDot: heads must be a positive integer, found 0',
    );
    expect(() => headDot(x, constant(Tensor.zeros([6], 'float64')), 2)).toThrow(
      'headDot: x and att must have the same dtype, found float32 and float64',
    );
  });
});

describe('mulHeads', () => {
  it('scales every channel of a head by its weight', () => {
    const alpha = constant(Tensor.from([2, 10, -1, 0], [2, 2]));
    const x = constant(Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]));
    expectAllClose(mulHeads(alpha, x, 2).data, [2, 4, 30, 40, -5, -6, 0, 0], exact);
  });

  it('keeps float32', () => {
    const y = mulHeads(
      constant(Tensor.from([2], [1, 1], 'float32')),
      constant(Tensor.from([3], [1, 1], 'float32')),
      1,
    );
    expect(y.data).toBeInstanceOf(Float32Array);
  });

  it('gradcheck', () => {
    expectGradientsMatch(
      (a, x) => mulHeads(a, x, 2),
      [randomTensor([5, 2], 3), randomTensor([5, 6], 4)],
    );
  });

  it('rejects bad inputs', () => {
    const x = constant(Tensor.zeros([3, 4]));
    expect(() => mulHeads(constant(Tensor.zeros([3, 1])), x, 2)).toThrow(
      'mulHeads: alpha must have shape [3, 2] (rows of x, heads), found [3, 1]',
    );
    expect(() => mulHeads(constant(Tensor.zeros([3, 3])), x, 3)).toThrow(
      'mulHeads: the last dimension of x (4) must be a multiple of heads (3)',
    );
  });
});

describe('headMean', () => {
  it('averages the heads', () => {
    const x = constant(Tensor.from([1, 2, 3, 4, 5, 6, 0, 0, 0, 3, 3, 3], [2, 6]));
    const y = headMean(x, 3);
    expect(y.shape).toEqual([2, 2]);
    expectAllClose(y.data, [3, 4, 1, 2], exact);
  });

  it('with one head is the identity', () => {
    const y = headMean(constant(Tensor.from([1, 2, 3], [1, 3], 'float32')), 1);
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [1, 2, 3], exact);
  });

  it('gradcheck', () => {
    expectGradientsMatch((x) => headMean(x, 4), [randomTensor([3, 8], 5)]);
  });

  it('rejects bad inputs', () => {
    expect(() => headMean(constant(Tensor.zeros([3, 5])), 2)).toThrow(
      'headMean: the last dimension of x (5) must be a multiple of heads (2)',
    );
    expect(() => headMean(constant(Tensor.zeros([5])), 1)).toThrow(
      'headMean: x must be 2-D, found shape [5]',
    );
  });
});
