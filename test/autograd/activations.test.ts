import { describe, expect, it } from 'vitest';
import { elu, leakyRelu, relu } from '../../src/autograd/ops/activations.js';
import { type Variable, backward, constant, parameter } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

const tight = { atol: 1e-15, rtol: 1e-15 };
const inputs = [-2, -0.5, 0, 0.5, 3];

/** Gradient of sum(f(x)) at `values`, i.e. f'(x) elementwise. */
function derivative(f: (x: Variable) => Variable, values: number[]): Float64Array | Float32Array {
  const x = parameter(Tensor.from(values, [values.length], 'float64'));
  backward(f(x), Tensor.full([values.length], 1, 'float64'));
  return x.grad!.data;
}

describe('relu', () => {
  it('forward and derivative (0 at the kink)', () => {
    const y = relu(constant(Tensor.from(inputs, [5], 'float64')));
    expectAllClose(y.data, [0, 0, 0, 0.5, 3], tight);
    expectAllClose(derivative(relu, inputs), [0, 0, 0, 1, 1], tight);
  });

  it('gradcheck and float32', () => {
    expectGradientsMatch((x) => relu(x), [randomTensor([3, 4], 1)]);
    expect(relu(constant(Tensor.zeros([2]))).data).toBeInstanceOf(Float32Array);
  });
});

describe('leakyRelu', () => {
  it('forward and derivative x > 0 ? 1 : slope', () => {
    const f = (x: Variable) => leakyRelu(x, 0.2);
    expectAllClose(
      f(constant(Tensor.from(inputs, [5], 'float64'))).data,
      [-0.4, -0.1, 0, 0.5, 3],
      tight,
    );
    expectAllClose(derivative(f, inputs), [0.2, 0.2, 0.2, 1, 1], tight);
  });

  it('defaults to PyTorch slope 0.01', () => {
    expectAllClose(leakyRelu(constant(Tensor.from([-1], [1], 'float64'))).data, [-0.01], tight);
  });

  it('gradcheck and float32', () => {
    expectGradientsMatch((x) => leakyRelu(x, 0.2), [randomTensor([3, 4], 2)]);
    expect(leakyRelu(constant(Tensor.zeros([2])), 0.2).data).toBeInstanceOf(Float32Array);
  });

  it('rejects a non-finite slope', () => {
    expect(() => leakyRelu(constant(Tensor.zeros([1])), Number.NaN)).toThrow(
      'leakyRelu: negativeSlope must be a finite number, found NaN',
    );
  });
});

describe('elu', () => {
  it('forward and derivative (alpha · exp(x) for x ≤ 0)', () => {
    const y = elu(constant(Tensor.from(inputs, [5], 'float64')));
    expectAllClose(y.data, [Math.exp(-2) - 1, Math.exp(-0.5) - 1, 0, 0.5, 3], tight);
    expectAllClose(
      derivative((x) => elu(x), inputs),
      [Math.exp(-2), Math.exp(-0.5), 1, 1, 1],
      tight,
    );
  });

  it('takes alpha', () => {
    const y = elu(constant(Tensor.from([-1], [1], 'float64')), 2);
    expectAllClose(y.data, [2 * (Math.exp(-1) - 1)], tight);
  });

  it('gradcheck and float32', () => {
    expectGradientsMatch((x) => elu(x), [randomTensor([3, 4], 3, 'float64', 3)]);
    expect(elu(constant(Tensor.zeros([2]))).data).toBeInstanceOf(Float32Array);
  });

  it('rejects a non-finite alpha', () => {
    expect(() => elu(constant(Tensor.zeros([1])), Infinity)).toThrow(
      'elu: alpha must be a finite number, found Infinity',
    );
  });
});
