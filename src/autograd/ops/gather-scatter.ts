/**
 * Moving rows between nodes and edges: gather (index_select) and scatter-add are each
 * other's backward.
 */
import { type DType, type FloatArray, Tensor, allocate } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';
import { expect2d, expectIndex, expectNonNegativeInteger } from './validate.js';

/** out[e, :] = x[index[e], :]  (raw, shared by the ops and their backward) */
function gather(x: FloatArray, d: number, index: Int32Array, dtype: DType): Tensor {
  const out = allocate(dtype, index.length * d);
  for (let e = 0; e < index.length; e++) {
    const from = index[e]! * d;
    out.set(x.subarray(from, from + d), e * d);
  }
  return new Tensor(out, [index.length, d]);
}

/** out[index[e], :] += x[e, :]  over a zeroed [numRows, d] */
function scatterAdd(
  x: FloatArray,
  d: number,
  index: Int32Array,
  numRows: number,
  dtype: DType,
): Tensor {
  const out = allocate(dtype, numRows * d);
  for (let e = 0; e < index.length; e++) {
    const to = index[e]! * d;
    const from = e * d;
    for (let c = 0; c < d; c++) out[to + c]! += x[from + c]!;
  }
  return new Tensor(out, [numRows, d]);
}

/** Rows of x picked by index (PyTorch's index_select along dim 0): [N, D] → [E, D]. */
export function gatherRows(x: Variable, index: Int32Array): Variable {
  const [n, d] = expect2d('gatherRows', 'x', x);
  expectIndex('gatherRows', 'index', index, n, 'the rows of x');
  const dtype = x.value.dtype;
  return record('gatherRows', gather(x.data, d, index, dtype), [x], (g) => [
    scatterAdd(g.data, d, index, n, dtype),
  ]);
}

/** Sums row e of x into row index[e] of a zero [numRows, D] tensor: [E, D] → [numRows, D]. */
export function scatterAddRows(x: Variable, index: Int32Array, numRows: number): Variable {
  const [e, d] = expect2d('scatterAddRows', 'x', x);
  expectNonNegativeInteger('scatterAddRows', 'numRows', numRows);
  expectIndex('scatterAddRows', 'index', index, numRows, 'numRows', {
    value: e,
    of: 'the rows of x',
  });
  const dtype = x.value.dtype;
  return record('scatterAddRows', scatterAdd(x.data, d, index, numRows, dtype), [x], (g) => [
    gather(g.data, d, index, dtype),
  ]);
}
