/**
 * Inverted dropout on sparse input features: each stored value is zeroed with probability p
 * and the rest scaled by 1/(1−p) — the same distribution as dense dropout on the full matrix,
 * since its zeros stay zero. Inputs are constants, so no gradient is recorded.
 *
 * Dropped entries are removed from the result rather than stored as zeros: the sparse
 * products downstream (forward and weight gradient) then cost one multiply-add per kept
 * entry, about 1 − p of them, and give the same sums (adding a zero product changes nothing).
 */
import type { CsrMatrix } from '../../kernels/kernels.js';
import type { Random } from '../../tensor/random.js';
import { dropoutScale } from '../../autograd/ops/dropout.js';
import { allocate, allocateInt32, dtypeOf } from '../../tensor/tensor.js';

export function dropoutCsr(a: CsrMatrix, p: number, rng: Random, training: boolean): CsrMatrix {
  if (!training || p === 0) return a;
  const scale = dropoutScale(a.values.length, p, rng, dtypeOf(a.values));
  const { rows, rowPtr, colIdx, values } = a;
  // One pass into buffers sized for every entry; the result views the kept prefix (about
  // 1 − p of them). The buffers live as long as the result, one epoch in training.
  const stored = rowPtr[rows]! - rowPtr[0]!;
  const outPtr = allocateInt32(rows + 1);
  const outIdx = allocateInt32(stored);
  const outValues = allocate(dtypeOf(values), stored);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const end = rowPtr[r + 1]!;
    for (let q = rowPtr[r]!; q < end; q++) {
      const s = scale[q]!;
      if (s !== 0) {
        outIdx[k] = colIdx[q]!;
        outValues[k] = s * values[q]!;
        k++;
      }
    }
    outPtr[r + 1] = k;
  }
  return {
    rows,
    cols: a.cols,
    rowPtr: outPtr,
    colIdx: outIdx.subarray(0, k),
    values: outValues.subarray(0, k),
  };
}
