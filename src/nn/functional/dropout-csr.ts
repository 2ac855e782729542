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
import { drawDropoutMask } from '../../autograd/ops/dropout.js';
import { checkCsr, markCsrChecked } from '../../autograd/ops/sparse.js';
import { kernels } from '../../kernels/backend.js';
import { allocate, allocateInt32, dtypeOf } from '../../tensor/tensor.js';

export function dropoutCsr(a: CsrMatrix, p: number, rng: Random, training: boolean): CsrMatrix {
  if (!training || p === 0) return a;
  // The kernel walks a's rows: check them (once per matrix), then the result, a subset of
  // its entries, is well formed too and needs no check of its own.
  checkCsr('dropoutCsr', a);
  const mask = drawDropoutMask(p, rng);
  const { rows, rowPtr, values } = a;
  // Buffers sized for every entry; the result views the kept prefix (about 1 − p of them).
  // They live as long as the result, one epoch in training.
  const stored = rowPtr[rows]! - rowPtr[0]!;
  const outPtr = allocateInt32(rows + 1);
  const outIdx = allocateInt32(stored);
  const outValues = allocate(dtypeOf(values), stored);
  const k = kernels().dropoutCsr(mask, a, outPtr, outIdx, outValues);
  const out: CsrMatrix = {
    rows,
    cols: a.cols,
    rowPtr: outPtr,
    colIdx: outIdx.subarray(0, k),
    values: outValues.subarray(0, k),
  };
  markCsrChecked(out);
  return out;
}
