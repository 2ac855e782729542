/** Elementwise arithmetic on same-shape tensors, plus the bias broadcast over rows. */
import { kernels } from '../../kernels/backend.js';
import { Tensor, allocate, allocateOverwritten } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';
import { expectSameDtype, expectSameShape } from './validate.js';

function checkPair(op: string, a: Variable, b: Variable): void {
  expectSameShape(op, a, b);
  expectSameDtype(op, 'a', a, 'b', b);
}

/** out[i] = f(a[i], b[i]) in a's dtype. */
function combine(a: Variable, b: Variable, f: (x: number, y: number) => number): Tensor {
  const as = a.data;
  const bs = b.data;
  const out = allocate(a.value.dtype, as.length);
  for (let i = 0; i < as.length; i++) out[i] = f(as[i]!, bs[i]!);
  return new Tensor(out, a.shape);
}

function scaled(t: Tensor, factor: number): Tensor {
  const src = t.data;
  const out = allocate(t.dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = factor * src[i]!;
  return new Tensor(out, t.shape);
}

/** a + b (same shape). */
export function add(a: Variable, b: Variable): Variable {
  checkPair('add', a, b);
  // The backward engine copies a shared gradient before summing into it, so g serves both.
  return record(
    'add',
    combine(a, b, (x, y) => x + y),
    [a, b],
    (g) => [g, g],
  );
}

/** a − b (same shape). */
export function sub(a: Variable, b: Variable): Variable {
  checkPair('sub', a, b);
  return record(
    'sub',
    combine(a, b, (x, y) => x - y),
    [a, b],
    (g) => [g, b.requiresGrad ? scaled(g, -1) : null],
  );
}

/** a ⊙ b (same shape). */
export function mul(a: Variable, b: Variable): Variable {
  checkPair('mul', a, b);
  return record(
    'mul',
    combine(a, b, (x, y) => x * y),
    [a, b],
    (g) => {
      const gs = g.data;
      const grad = (other: Variable): Tensor => {
        const o = other.data;
        const d = allocate(other.value.dtype, o.length);
        for (let i = 0; i < o.length; i++) d[i] = gs[i]! * o[i]!;
        return new Tensor(d, other.shape);
      };
      return [a.requiresGrad ? grad(b) : null, b.requiresGrad ? grad(a) : null];
    },
  );
}

/** factor · x for a plain number factor. */
export function scale(x: Variable, factor: number): Variable {
  if (!Number.isFinite(factor)) {
    throw new RangeError(`scale: factor must be a finite number, found ${factor}`);
  }
  return record('scale', scaled(x.value, factor), [x], (g) => [scaled(g, factor)]);
}

/** −x */
export function neg(x: Variable): Variable {
  return scale(x, -1);
}

/**
 * x [N, D] + bias [D], the bias added to every row (any bias shape with D elements is
 * accepted, e.g. [1, D]). Its gradient is the column sums of the output gradient.
 */
export function addRowVector(x: Variable, bias: Variable): Variable {
  const op = 'addRowVector';
  if (x.shape.length === 0) throw new RangeError(`${op}: x must have at least one dimension`);
  const d = x.shape[x.shape.length - 1]!;
  if (bias.value.size !== d) {
    throw new RangeError(
      `${op}: bias must have ${d} elements (the last dimension of x), found ${bias.value.size}`,
    );
  }
  expectSameDtype(op, 'x', x, 'bias', bias);
  const xs = x.data;
  const bs = bias.data;
  const out = allocateOverwritten(x.value.dtype, xs.length); // [N, D]
  const rows = d === 0 ? 0 : xs.length / d;
  kernels().addRowVector(xs, bs, rows, d, out);
  return record(op, new Tensor(out, x.shape), [x, bias], (g) => {
    let dBias: Tensor | null = null;
    if (bias.requiresGrad) {
      const sums = allocate(bias.value.dtype, d); // [D]
      kernels().columnSums(g.data, rows, d, sums);
      dBias = new Tensor(sums, bias.shape);
    }
    return [g, dBias];
  });
}
