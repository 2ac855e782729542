/**
 * Inverted dropout on sparse input features: each stored value is zeroed with probability p
 * and the rest scaled by 1/(1−p) — the same distribution as dense dropout on the full matrix,
 * since its zeros stay zero. Inputs are constants, so no gradient is recorded.
 */
import type { CsrMatrix } from '../../kernels/kernels.js';
import type { Random } from '../../tensor/random.js';
import { dropoutScale } from '../../autograd/ops/dropout.js';
import { dtypeOf } from '../../tensor/tensor.js';

export function dropoutCsr(a: CsrMatrix, p: number, rng: Random, training: boolean): CsrMatrix {
  if (!training || p === 0) return a;
  const scale = dropoutScale(a.values.length, p, rng, dtypeOf(a.values));
  for (let q = 0; q < scale.length; q++) scale[q]! *= a.values[q]!;
  return { ...a, values: scale };
}
