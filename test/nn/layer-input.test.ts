import { describe, expect, it } from 'vitest';
import type { CsrMatrix } from '../../src/kernels/kernels.js';
import { checkNodeInput } from '../../src/nn/layer-input.js';
import { Tensor } from '../../src/tensor/tensor.js';

describe('checkNodeInput', () => {
  it('accepts finite dense and sparse features', () => {
    const x = new Tensor(
      Float32Array.from({ length: 21 }, (_, i) => i - 10),
      [7, 3],
    );
    expect(() => checkNodeInput('L', 'x', x, 3)).not.toThrow();
    const csr: CsrMatrix = {
      rows: 2,
      cols: 4,
      rowPtr: Int32Array.from([0, 2, 3]),
      colIdx: Int32Array.from([0, 3, 1]),
      values: Float32Array.from([1, -2, 3.5]),
    };
    expect(() => checkNodeInput('L', 'x', csr, 4)).not.toThrow();
  });

  it('names the first NaN or infinity wherever it is (also in the SIMD-style tail)', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (let at = 0; at < 21; at++) {
        const data = Float32Array.from({ length: 21 }, () => 1);
        data[at] = bad;
        const x = new Tensor(data, [7, 3]);
        expect(() => checkNodeInput('L', 'x', x, 3)).toThrow(
          `L: x has ${bad} at row ${Math.floor(at / 3)}, column ${at % 3}; features must be finite numbers`,
        );
      }
    }
  });

  it('checks sparse values and names their row and column', () => {
    const csr: CsrMatrix = {
      rows: 3,
      cols: 5,
      rowPtr: Int32Array.from([0, 1, 1, 3]),
      colIdx: Int32Array.from([2, 0, 4]),
      values: Float32Array.from([1, 2, -Infinity]),
    };
    expect(() => checkNodeInput('L', 'x', csr, 5)).toThrow(
      'L: x has -Infinity at row 2, column 4; features must be finite numbers',
    );
    // Skipping the scan is allowed for inputs already checked.
    expect(() => checkNodeInput('L', 'x', csr, 5, false)).not.toThrow();
  });
});
