import { describe, expect, it } from 'vitest';
import { add, addRowVector, mul, neg, scale, sub } from '../../src/autograd/ops/elementwise.js';
import { backward, constant, parameter } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

const exact = { atol: 0, rtol: 0 };
const a = (): Tensor => Tensor.from([1, 2, 3, 4], [2, 2]);
const b = (): Tensor => Tensor.from([10, 20, 30, 40], [2, 2]);

describe('add, sub, mul', () => {
  it('forward', () => {
    expectAllClose(add(constant(a()), constant(b())).data, [11, 22, 33, 44], exact);
    expectAllClose(sub(constant(a()), constant(b())).data, [-9, -18, -27, -36], exact);
    expectAllClose(mul(constant(a()), constant(b())).data, [10, 40, 90, 160], exact);
  });

  it('keep the dtype', () => {
    expect(add(constant(a()), constant(b())).data).toBeInstanceOf(Float32Array);
    const a64 = constant(a().to('float64'));
    expect(mul(a64, a64).data).toBeInstanceOf(Float64Array);
  });

  for (const [name, op] of [
    ['add', add],
    ['sub', sub],
    ['mul', mul],
  ] as const) {
    it(`${name} gradcheck`, () => {
      expectGradientsMatch((x, y) => op(x, y), [randomTensor([3, 4], 1), randomTensor([3, 4], 2)]);
    });

    it(`${name} with the same variable on both sides`, () => {
      expectGradientsMatch((x) => op(x, x), [randomTensor([5], 3)]);
    });

    it(`${name} rejects different shapes and dtypes`, () => {
      expect(() => op(constant(Tensor.zeros([2, 3])), constant(Tensor.zeros([3, 2])))).toThrow(
        `${name}: a and b must have the same shape, found [2, 3] and [3, 2]`,
      );
      expect(() => op(constant(Tensor.zeros([2])), constant(Tensor.zeros([2], 'float64')))).toThrow(
        `${name}: a and b must have the same dtype, found float32 and float64`,
      );
    });
  }
});

describe('scale and neg', () => {
  it('forward', () => {
    expectAllClose(scale(constant(a()), 0.5).data, [0.5, 1, 1.5, 2], exact);
    expectAllClose(neg(constant(a())).data, [-1, -2, -3, -4], exact);
    expect(neg(constant(a())).data).toBeInstanceOf(Float32Array);
  });

  it('gradcheck', () => {
    expectGradientsMatch((x) => scale(x, -2.5), [randomTensor([2, 3], 4)]);
    expectGradientsMatch((x) => neg(x), [randomTensor([2, 3], 5)]);
  });

  it('rejects a non-finite factor', () => {
    expect(() => scale(constant(a()), Number.NaN)).toThrow(
      'scale: factor must be a finite number, found NaN',
    );
  });
});

describe('addRowVector', () => {
  it('adds the bias to every row; its gradient is the column sums', () => {
    const x = parameter(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3], 'float64'));
    const bias = parameter(Tensor.from([10, 20, 30], [3], 'float64'));
    const y = addRowVector(x, bias);
    expectAllClose(y.data, [11, 22, 33, 14, 25, 36], exact);
    backward(y, Tensor.from([1, 2, 3, 4, 5, 6], [2, 3], 'float64'));
    expectAllClose(bias.grad!.data, [5, 7, 9], exact);
    expectAllClose(x.grad!.data, [1, 2, 3, 4, 5, 6], exact);
  });

  it('accepts a [1, D] bias and keeps float32', () => {
    const y = addRowVector(constant(Tensor.zeros([2, 2])), constant(Tensor.from([1, 2], [1, 2])));
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [1, 2, 1, 2], exact);
  });

  it('gradcheck', () => {
    expectGradientsMatch(
      (x, bias) => addRowVector(x, bias),
      [randomTensor([4, 3], 6), randomTensor([3], 7)],
    );
  });

  it('rejects a bias of the wrong size', () => {
    expect(() => addRowVector(constant(Tensor.zeros([2, 5])), constant(Tensor.zeros([4])))).toThrow(
      'addRowVector: bias must have 5 elements (the last dimension of x), found 4',
    );
    expect(() =>
      addRowVector(constant(Tensor.zeros([2, 1])), constant(Tensor.zeros([1], 'float64'))),
    ).toThrow('addRowVector: x and bias must have the same dtype, found float32 and float64');
  });
});
