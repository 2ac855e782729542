/** Reductions of a whole tensor to a scalar (shape [1]), e.g. the last step of a loss. */
import { Tensor } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';

/** Σ x over every element → [1]. */
export function sum(x: Variable): Variable {
  const xs = x.data;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return record('sum', Tensor.full([1], s, x.value.dtype), [x], (g) => [
    Tensor.full(x.shape, g.data[0]!, x.value.dtype),
  ]);
}

/** Mean of every element → [1]. An empty tensor has no mean. */
export function mean(x: Variable): Variable {
  const n = x.value.size;
  if (n === 0) throw new RangeError('mean: x is empty, its mean is undefined');
  const xs = x.data;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]!;
  return record('mean', Tensor.full([1], s / n, x.value.dtype), [x], (g) => [
    Tensor.full(x.shape, g.data[0]! / n, x.value.dtype),
  ]);
}
