/** Inverted dropout: zero each element with probability p, scale the kept ones by 1/(1−p). */
import { kernels } from '../../kernels/backend.js';
import type { DropoutMask } from '../../kernels/kernels.js';
import { dropoutMask } from '../../kernels/reference/elementwise.js';
import type { Random } from '../../tensor/random.js';
import { type DType, type FloatArray, Tensor, allocateOverwritten } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p < 1)) {
    throw new RangeError(`${op}: p must be in [0, 1), found ${p}`);
  }
}

/**
 * Draws a mask for dropping with probability p: two uint32 seeds from `rng`, whatever the
 * length. The kernels expand it by hashing each element's index (see `DropoutMask`), so the
 * same generator state gives the same mask, and backward regenerates it from the seeds.
 */
export function drawDropoutMask(p: number, rng: Random): DropoutMask {
  checkProbability('drawDropoutMask', p);
  const seedLo = rng.nextUint32();
  const seedHi = rng.nextUint32();
  return dropoutMask(p, seedLo, seedHi);
}

/**
 * A dropout mask already scaled: each entry is 0 with probability p, else 1/(1−p), from
 * one mask draw (two uint32 from `rng`, see `drawDropoutMask`), so the same seed gives the
 * same mask. With p = 0 every entry is 1 and nothing is drawn. Used directly for attention
 * dropout on α [E, H].
 */
export function dropoutScale(length: number, p: number, rng: Random, dtype: DType): FloatArray {
  checkProbability('dropoutScale', p);
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(`dropoutScale: length must be a non-negative integer, found ${length}`);
  }
  const mask = allocateOverwritten(dtype, length);
  if (p === 0) return mask.fill(1);
  kernels().dropout(drawDropoutMask(p, rng), null, mask, length);
  return mask;
}

/**
 * Dropout of x while training; the identity (x itself, nothing drawn) when not training or
 * when p = 0. Nothing of x's size is kept for backward but the two seeds of the mask.
 */
export function dropout(x: Variable, p: number, rng: Random, training: boolean): Variable {
  checkProbability('dropout', p);
  if (!training || p === 0) return x;
  const n = x.value.size;
  const mask = drawDropoutMask(p, rng);
  const out = allocateOverwritten(x.value.dtype, n);
  kernels().dropout(mask, x.data, out, n);
  return record('dropout', new Tensor(out, x.shape), [x], (g) => {
    const dx = allocateOverwritten(x.value.dtype, n);
    kernels().dropout(mask, g.data, dx, n);
    return [new Tensor(dx, x.shape)];
  });
}
