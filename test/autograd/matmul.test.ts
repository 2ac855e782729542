import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { matmul } from '../../src/autograd/ops/matmul.js';
import { constant } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';

describe('matmul', () => {
  it('computes a known product', () => {
    const a = constant(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]));
    const b = constant(Tensor.from([7, 8, 9, 10, 11, 12], [3, 2]));
    expectAllClose(matmul(a, b).data, [58, 64, 139, 154], { atol: 0, rtol: 0 });
  });

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`gradcheck transA=${transA} transB=${transB}`, () => {
        const a = randomTensor(transA ? [4, 3] : [3, 4], 1);
        const b = randomTensor(transB ? [5, 4] : [4, 5], 2);
        const r = gradcheck((x, y) => matmul(x, y, { transA, transB }), [a, b]);
        expect(r.mismatches).toEqual([]);
        expect(r.ok).toBe(true);
      });
    }
  }

  it('rejects mismatched inner dimensions with both shapes', () => {
    const a = constant(Tensor.zeros([2, 3]));
    const b = constant(Tensor.zeros([4, 2]));
    expect(() => matmul(a, b)).toThrow(/op\(A\) is \[2, 3\], op\(B\) is \[4, 2\]/);
  });
});
