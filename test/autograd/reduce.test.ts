import { describe, expect, it } from 'vitest';
import { mean, sum } from '../../src/autograd/ops/reduce.js';
import { backward, constant, parameter } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

const exact = { atol: 0, rtol: 0 };

describe('sum and mean', () => {
  it('reduce to a [1] scalar in the input dtype', () => {
    const x = constant(Tensor.from([1, 2, 3, 6], [2, 2]));
    const s = sum(x);
    expect(s.shape).toEqual([1]);
    expect(s.data).toBeInstanceOf(Float32Array);
    expectAllClose(s.data, [12], exact);
    expectAllClose(mean(x).data, [3], exact);
  });

  it('spread the gradient evenly', () => {
    const x = parameter(Tensor.zeros([4], 'float64'));
    backward(mean(x));
    expectAllClose(x.grad!.data, [0.25, 0.25, 0.25, 0.25], exact);
    x.zeroGrad();
    backward(sum(x));
    expectAllClose(x.grad!.data, [1, 1, 1, 1], exact);
  });

  it('gradcheck', () => {
    expectGradientsMatch((x) => sum(x), [randomTensor([3, 2], 1)]);
    expectGradientsMatch((x) => mean(x), [randomTensor([3, 2], 2)]);
  });

  it('sum of nothing is 0, mean of nothing is an error', () => {
    expectAllClose(sum(constant(Tensor.zeros([0]))).data, [0], exact);
    expect(() => mean(constant(Tensor.zeros([0, 3])))).toThrow(
      'mean: x is empty, its mean is undefined',
    );
  });
});
