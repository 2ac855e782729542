/** Shape changes: reshape (no data movement) and 2-D transpose. */
import { Tensor, allocate, formatShape, sizeOf } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';
import { expect2d } from './validate.js';

/** Same elements, new shape; one dimension may be −1 (inferred). Shares x's storage. */
export function reshape(x: Variable, shape: readonly number[]): Variable {
  const size = x.value.size;
  const inferred = shape.indexOf(-1);
  const bad = shape.find((d) => !Number.isInteger(d) || d < -1);
  if (bad !== undefined || shape.lastIndexOf(-1) !== inferred) {
    throw new RangeError(
      `reshape: shape ${formatShape(shape)} must hold non-negative integers and at most one -1`,
    );
  }
  let target = [...shape];
  if (inferred >= 0) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || size % known !== 0) {
      throw new RangeError(
        `reshape: cannot infer the -1 in ${formatShape(shape)} for ${size} elements (shape ${formatShape(x.shape)})`,
      );
    }
    target = shape.map((d) => (d === -1 ? size / known : d));
  }
  if (sizeOf(target) !== size) {
    throw new RangeError(
      `reshape: shape ${formatShape(shape)} needs ${sizeOf(target)} elements, x has ${size} (shape ${formatShape(x.shape)})`,
    );
  }
  return record('reshape', x.value.reshape(target), [x], (g) => [g.reshape(x.shape)]);
}

/** xᵀ of a 2-D x: [R, C] → [C, R]. */
export function transpose(x: Variable): Variable {
  const [r, c] = expect2d('transpose', 'x', x);
  return record('transpose', transposed(x.value, r, c), [x], (g) => [transposed(g, c, r)]);
}

/** Raw transpose of a [rows, cols] tensor. */
function transposed(t: Tensor, rows: number, cols: number): Tensor {
  const src = t.data;
  const out = allocate(t.dtype, src.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = src[i * cols + j]!;
  }
  return new Tensor(out, [cols, rows]);
}
