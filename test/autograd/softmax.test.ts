import { describe, expect, it } from 'vitest';
import { logSoftmax, segmentSoftmax, softmax } from '../../src/autograd/ops/softmax.js';
import { constant } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

const tight = { atol: 1e-12, rtol: 1e-12 };

function softmaxOf(values: number[]): number[] {
  const m = Math.max(...values);
  const w = values.map((v) => Math.exp(v - m));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

describe('softmax', () => {
  it('normalises each row', () => {
    const y = softmax(constant(Tensor.from([1, 2, 3, 0, 0, 0], [2, 3], 'float64')));
    expectAllClose(y.data, [...softmaxOf([1, 2, 3]), 1 / 3, 1 / 3, 1 / 3], tight);
  });

  it('is stable for huge logits and keeps float32', () => {
    const y = softmax(constant(Tensor.from([1000, 1001, -1000], [1, 3], 'float32')));
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [...softmaxOf([0, 1, -2000])], { atol: 1e-6, rtol: 1e-6 });
  });

  it('gradcheck', () => {
    expectGradientsMatch((x) => softmax(x), [randomTensor([3, 5], 3, 'float64', 3)]);
  });

  it('rejects a non-matrix', () => {
    expect(() => softmax(constant(Tensor.zeros([4])))).toThrow(
      'softmax: x must be 2-D, found shape [4]',
    );
  });
});

describe('logSoftmax', () => {
  it('equals log of softmax', () => {
    const y = logSoftmax(constant(Tensor.from([1, 2, 3, -1, 0, 4], [2, 3], 'float64')));
    const expected = [...softmaxOf([1, 2, 3]), ...softmaxOf([-1, 0, 4])].map(Math.log);
    expectAllClose(y.data, expected, tight);
  });

  it('stays finite where softmax underflows', () => {
    const y = logSoftmax(constant(Tensor.from([0, -1000], [1, 2], 'float32')));
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, [0, -1000], { atol: 1e-4, rtol: 1e-6 });
  });

  it('gradcheck', () => {
    expectGradientsMatch((x) => logSoftmax(x), [randomTensor([4, 3], 4, 'float64', 3)]);
  });

  it('rejects a non-matrix', () => {
    expect(() => logSoftmax(constant(Tensor.zeros([1, 2, 2])))).toThrow(
      'logSoftmax: x must be 2-D, found shape [1, 2, 2]',
    );
  });
});

describe('segmentSoftmax', () => {
  it('normalises over unsorted segments, per head; an empty segment is fine', () => {
    // Edges 0, 2, 3 → segment 1; edge 1 → segment 0; segment 2 has none. Two heads.
    const scores = Tensor.from([1, 0, 2, 5, 3, 0, 0, 0], [4, 2], 'float64');
    const y = segmentSoftmax(constant(scores), Int32Array.from([1, 0, 1, 1]), 3);
    const head0 = softmaxOf([1, 3, 0]);
    const head1 = softmaxOf([0, 0, 0]);
    expectAllClose(
      y.data,
      [head0[0]!, head1[0]!, 1, 1, head0[1]!, head1[1]!, head0[2]!, head1[2]!],
      tight,
    );
  });

  it('is stable for huge scores and keeps float32', () => {
    const y = segmentSoftmax(
      constant(Tensor.from([1000, 999, -5000], [3, 1], 'float32')),
      Int32Array.from([0, 0, 0]),
      1,
    );
    expect(y.data).toBeInstanceOf(Float32Array);
    expectAllClose(y.data, softmaxOf([1, 0, -6000]), { atol: 1e-6, rtol: 1e-6 });
  });

  it('gradcheck, two heads, unsorted segments', () => {
    const segment = Int32Array.from([2, 0, 2, 1, 0, 2, 2]);
    expectGradientsMatch(
      (s) => segmentSoftmax(s, segment, 4),
      [randomTensor([7, 2], 5, 'float64', 3)],
    );
  });

  it('rejects bad inputs', () => {
    const s = constant(Tensor.zeros([3, 2]));
    expect(() => segmentSoftmax(s, Int32Array.from([0, 1]), 2)).toThrow(
      'segmentSoftmax: segment must have 3 entries (the rows of scores), found 2',
    );
    expect(() => segmentSoftmax(s, Int32Array.from([0, 1, 2]), 2)).toThrow(
      'segmentSoftmax: segment[2] is 2, expected an integer in [0, 2) (numSegments)',
    );
    expect(() =>
      segmentSoftmax(constant(Tensor.zeros([3])), Int32Array.from([0, 0, 0]), 1),
    ).toThrow('segmentSoftmax: scores must be 2-D, found shape [3]');
    expect(() => segmentSoftmax(s, Int32Array.from([0, 0, 0]), -1)).toThrow(
      'segmentSoftmax: numSegments must be a non-negative integer, found -1',
    );
  });
});
