import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/autograd/ops/loss.js';
import { backward, constant, parameter } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';
import { expectGradientsMatch } from './expect-gradients.js';

const tight = { atol: 1e-12, rtol: 1e-12 };

/** −log softmax(row)[label], computed the long way. */
function nll(row: number[], label: number): number {
  const z = row.reduce((s, v) => s + Math.exp(v), 0);
  return -Math.log(Math.exp(row[label]!) / z);
}

describe('crossEntropy', () => {
  const rows = [
    [1, 2, 3],
    [0, 0, 0],
    [-1, 4, 0.5],
  ];
  const logits = (): Tensor => Tensor.from(rows.flat(), [3, 3], 'float64');
  const labels = Int32Array.from([2, 0, 1]);

  it('averages −log softmax over all rows', () => {
    const loss = crossEntropy(constant(logits()), labels);
    expect(loss.shape).toEqual([1]);
    expectAllClose(
      loss.data,
      [(nll(rows[0]!, 2) + nll(rows[1]!, 0) + nll(rows[2]!, 1)) / 3],
      tight,
    );
  });

  it('averages over the selected rows only; unselected labels are not checked', () => {
    const masked = Int32Array.from([2, -1, 1]);
    const loss = crossEntropy(constant(logits()), masked, Int32Array.from([2, 0]));
    expectAllClose(loss.data, [(nll(rows[2]!, 1) + nll(rows[0]!, 2)) / 2], tight);
  });

  it('gradient is (softmax − onehot) / M on selected rows, zero elsewhere', () => {
    const x = parameter(logits());
    backward(crossEntropy(x, labels, Int32Array.from([1])));
    expectAllClose(x.grad!.data, [0, 0, 0, 1 / 3 - 1, 1 / 3, 1 / 3, 0, 0, 0], tight);
  });

  it('is stable for huge logits and keeps float32', () => {
    const loss = crossEntropy(
      constant(Tensor.from([1000, 0, -1000, 1000], [2, 2], 'float32')),
      Int32Array.from([1, 0]),
    );
    expect(loss.data).toBeInstanceOf(Float32Array);
    // Row 0 loses 1000 nats, row 1 loses 2000.
    expectAllClose(loss.data, [1500], { atol: 1e-3, rtol: 1e-6 });
  });

  it('gradcheck, all rows and a selection with a repeat', () => {
    const y = Int32Array.from([0, 3, 1, 3, 2]);
    expectGradientsMatch((x) => crossEntropy(x, y), [randomTensor([5, 4], 1, 'float64', 2)]);
    const sel = Int32Array.from([4, 1, 4]);
    expectGradientsMatch((x) => crossEntropy(x, y, sel), [randomTensor([5, 4], 2, 'float64', 2)]);
  });

  it('rejects bad labels and rows', () => {
    const x = constant(logits());
    expect(() => crossEntropy(x, Int32Array.from([0, 3, 1]))).toThrow(
      'crossEntropy: labels[1] is 3, expected a class in [0, 3) (the columns of logits)',
    );
    expect(() => crossEntropy(x, Int32Array.from([0, 1]))).toThrow(
      'crossEntropy: labels must have 3 entries (the rows of logits), found 2',
    );
    expect(() => crossEntropy(x, labels, Int32Array.from([0, 5]))).toThrow(
      'crossEntropy: rows[1] is 5, expected an integer in [0, 3) (the rows of logits)',
    );
    expect(() => crossEntropy(x, labels, new Int32Array(0))).toThrow(
      'crossEntropy: no rows selected, the mean loss is undefined',
    );
    expect(() => crossEntropy(constant(Tensor.zeros([3])), labels)).toThrow(
      'crossEntropy: logits must be 2-D, found shape [3]',
    );
  });
});
