/** Parameter initialisers, as PyTorch Geometric's `inits` (glorot = Xavier uniform). */
import type { Random } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Uniform in ±sqrt(6 / (fan_in + fan_out)) with the fans taken from the last two
 * dimensions, as PyG's glorot: [out, in] for a weight, [1, H, C] → H + C for attention.
 */
export function glorot(t: Tensor, rng: Random): Tensor {
  const a = t.shape.length >= 2 ? t.shape[t.shape.length - 2]! : 1;
  const b = t.shape[t.shape.length - 1] ?? 1;
  const bound = Math.sqrt(6 / (a + b));
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformIn(-bound, bound);
  return t;
}
