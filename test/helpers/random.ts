/** Seeded random tensors for tests. */
import { Random } from '../../src/tensor/random.js';
import { type DType, Tensor } from '../../src/tensor/tensor.js';

export function randomTensor(
  shape: readonly number[],
  seed: number,
  dtype: DType = 'float64',
  scale = 1,
): Tensor {
  const rng = new Random(seed);
  const t = Tensor.zeros(shape, dtype);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformIn(-scale, scale);
  return t;
}
