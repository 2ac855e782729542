/** Drives a gradient transformation over float64 parameters for optimiser tests. */
import { parameter, type Variable } from '../../src/autograd/variable.js';
import { applyUpdates, type GradientTransformation } from '../../src/optim/transform.js';
import { Tensor } from '../../src/tensor/tensor.js';

export function params64(values: readonly (readonly number[])[]): Variable[] {
  return values.map((v) => parameter(Tensor.from(v, [v.length], 'float64')));
}

/**
 * Applies `transform` for each step's gradients (null skips a parameter) and returns the
 * parameter values after every step.
 */
export function runSteps<S>(
  transform: GradientTransformation<S>,
  initial: readonly (readonly number[])[],
  gradsPerStep: readonly (readonly (readonly number[] | null)[])[],
): number[][][] {
  const params = params64(initial);
  let state = transform.init(params.map((p) => p.value));
  const history: number[][][] = [];
  for (const grads of gradsPerStep) {
    const g = grads.map((v) => (v === null ? null : Tensor.from(v, [v.length], 'float64')));
    const result = transform.update(
      g,
      state,
      params.map((p) => p.value),
    );
    state = result.state;
    applyUpdates(params, result.updates);
    history.push(params.map((p) => p.value.toArray()));
  }
  return history;
}

/** Deterministic, varied gradients: step k, parameter i, element j. */
export function gradSequence(shapes: readonly number[], steps: number): number[][][] {
  return Array.from({ length: steps }, (_, k) =>
    shapes.map((n, i) =>
      Array.from(
        { length: n },
        (_, j) => Math.sin(1.3 * k + 2.1 * i + 0.7 * j) * (1 + j) - 0.2 * i,
      ),
    ),
  );
}
