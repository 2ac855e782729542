/** Inverted dropout: zero each element with probability p, scale the kept ones by 1/(1−p). */
import type { Random } from '../../tensor/random.js';
import { type DType, type FloatArray, Tensor, allocate } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p < 1)) {
    throw new RangeError(`${op}: p must be in [0, 1), found ${p}`);
  }
}

/**
 * A dropout mask already scaled: each entry is 0 with probability p, else 1/(1−p), one draw
 * of `rng` per entry in order (so the same seed gives the same mask). With p = 0 every entry
 * is 1 and nothing is drawn. Used directly for attention dropout on α [E, H].
 */
export function dropoutScale(length: number, p: number, rng: Random, dtype: DType): FloatArray {
  checkProbability('dropoutScale', p);
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(`dropoutScale: length must be a non-negative integer, found ${length}`);
  }
  const mask = allocate(dtype, length);
  if (p === 0) return mask.fill(1);
  const keep = 1 / (1 - p);
  for (let i = 0; i < length; i++) mask[i] = rng.uniform() < p ? 0 : keep;
  return mask;
}

/**
 * Dropout of x while training; the identity (x itself, nothing drawn) when not training or
 * when p = 0.
 */
export function dropout(x: Variable, p: number, rng: Random, training: boolean): Variable {
  checkProbability('dropout', p);
  if (!training || p === 0) return x;
  const xs = x.data;
  const mask = dropoutScale(xs.length, p, rng, x.value.dtype);
  const out = allocate(x.value.dtype, xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i]! * mask[i]!;
  return record('dropout', new Tensor(out, x.shape), [x], (g) => {
    const gs = g.data;
    const dx = allocate(x.value.dtype, xs.length);
    for (let i = 0; i < xs.length; i++) dx[i] = gs[i]! * mask[i]!;
    return [new Tensor(dx, x.shape)];
  });
}
