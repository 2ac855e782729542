import { describe, expect, it } from 'vitest';
import { dropout, dropoutScale } from '../../src/autograd/ops/dropout.js';
import { backward, constant, parameter } from '../../src/autograd/variable.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

describe('dropoutScale', () => {
  it('holds only 0 and 1/(1−p), about a fraction p of zeros', () => {
    const mask = dropoutScale(20000, 0.3, new Random(1), 'float64');
    let zeros = 0;
    for (const v of mask) {
      if (v === 0) zeros++;
      else expect(v).toBe(1 / 0.7);
    }
    expect(zeros / mask.length).toBeGreaterThan(0.28);
    expect(zeros / mask.length).toBeLessThan(0.32);
  });

  it('same seed, same mask; in the requested dtype', () => {
    const m1 = dropoutScale(100, 0.5, new Random(7), 'float32');
    const m2 = dropoutScale(100, 0.5, new Random(7), 'float32');
    expect(m1).toBeInstanceOf(Float32Array);
    expect(Array.from(m1)).toEqual(Array.from(m2));
    expect(Array.from(dropoutScale(100, 0.5, new Random(8), 'float32'))).not.toEqual(
      Array.from(m1),
    );
  });

  it('p = 0 gives ones', () => {
    expect(Array.from(dropoutScale(3, 0, new Random(1), 'float64'))).toEqual([1, 1, 1]);
  });

  it('rejects bad p and length', () => {
    expect(() => dropoutScale(3, 1, new Random(1), 'float32')).toThrow(
      'dropoutScale: p must be in [0, 1), found 1',
    );
    expect(() => dropoutScale(-1, 0.5, new Random(1), 'float32')).toThrow(
      'dropoutScale: length must be a non-negative integer, found -1',
    );
  });
});

describe('dropout', () => {
  it('is the identity (x itself) when not training or p = 0', () => {
    const x = constant(Tensor.from([1, 2, 3], [3]));
    expect(dropout(x, 0.5, new Random(1), false)).toBe(x);
    expect(dropout(x, 0, new Random(1), true)).toBe(x);
  });

  it('applies the same mask as dropoutScale with the same seed, forward and backward', () => {
    const x = parameter(Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], 'float64'));
    const y = dropout(x, 0.25, new Random(3), true);
    const mask = dropoutScale(8, 0.25, new Random(3), 'float64');
    expectAllClose(
      y.data,
      Array.from(mask, (m, i) => m * (i + 1)),
      { atol: 0, rtol: 0 },
    );
    backward(y, Tensor.full([2, 4], 1, 'float64'));
    expectAllClose(x.grad!.data, mask, { atol: 0, rtol: 0 });
    expect(y.shape).toEqual([2, 4]);
  });

  it('keeps float32', () => {
    const y = dropout(constant(Tensor.full([10], 1)), 0.5, new Random(1), true);
    expect(y.data).toBeInstanceOf(Float32Array);
  });

  it('gradcheck (a fresh generator per call, so every evaluation sees the same mask)', () => {
    expectGradientsMatch((x) => dropout(x, 0.4, new Random(11), true), [randomTensor([4, 5], 1)]);
  });

  it('rejects p outside [0, 1) even when not training', () => {
    const x = constant(Tensor.zeros([2]));
    expect(() => dropout(x, -0.1, new Random(1), true)).toThrow(
      'dropout: p must be in [0, 1), found -0.1',
    );
    expect(() => dropout(x, Number.NaN, new Random(1), false)).toThrow(
      'dropout: p must be in [0, 1), found NaN',
    );
  });
});
