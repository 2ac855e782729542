/**
 * Pointwise nonlinearities with PyTorch's conventions, including the derivative it picks at
 * the kink x = 0 (so parity fixtures agree even when an input lands exactly there).
 */
import { kernels } from '../../kernels/backend.js';
import { Tensor, allocateOverwritten } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';

/** y = f(x) elementwise; backward multiplies by f'(x), evaluated at the input. */
function pointwise(
  name: string,
  x: Variable,
  f: (v: number) => number,
  derivative: (v: number) => number,
): Variable {
  const xs = x.data;
  const y = allocateOverwritten(x.value.dtype, xs.length);
  for (let i = 0; i < xs.length; i++) y[i] = f(xs[i]!);
  return record(name, new Tensor(y, x.shape), [x], (g) => {
    const gs = g.data;
    const dx = allocateOverwritten(x.value.dtype, xs.length);
    for (let i = 0; i < xs.length; i++) dx[i] = gs[i]! * derivative(xs[i]!);
    return [new Tensor(dx, x.shape)];
  });
}

/** max(x, 0); derivative 0 at x = 0. */
export function relu(x: Variable): Variable {
  return pointwise(
    'relu',
    x,
    (v) => (v > 0 ? v : 0),
    (v) => (v > 0 ? 1 : 0),
  );
}

/** x for x > 0, else negativeSlope · x (default 0.01, PyTorch's); derivative slope at 0. */
export function leakyRelu(x: Variable, negativeSlope = 0.01): Variable {
  if (!Number.isFinite(negativeSlope)) {
    throw new RangeError(
      `leakyRelu: negativeSlope must be a finite number, found ${negativeSlope}`,
    );
  }
  return pointwise(
    'leakyRelu',
    x,
    (v) => (v > 0 ? v : negativeSlope * v),
    (v) => (v > 0 ? 1 : negativeSlope),
  );
}

/**
 * x for x > 0, else alpha · (exp(x) − 1) (default alpha 1); derivative alpha at 0. Runs on
 * the kernels (a tight loop or SIMD instead of a closure per element: the hidden layer's
 * activation is one of the larger element-wise costs of an epoch).
 */
export function elu(x: Variable, alpha = 1): Variable {
  if (!Number.isFinite(alpha)) {
    throw new RangeError(`elu: alpha must be a finite number, found ${alpha}`);
  }
  const xs = x.data;
  const n = xs.length;
  const y = allocateOverwritten(x.value.dtype, n);
  kernels().elu(xs, alpha, y, n);
  return record('elu', new Tensor(y, x.shape), [x], (g) => {
    const dx = allocateOverwritten(x.value.dtype, n);
    kernels().eluBackwardFromOutput(xs, y, g.data, alpha, dx, n); // alpha·eˣ = y + alpha
    return [new Tensor(dx, x.shape)];
  });
}
