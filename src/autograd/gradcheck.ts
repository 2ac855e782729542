/**
 * Gradient checking by central differences in float64.
 *
 * `fn` maps float64 input variables to a scalar-or-tensor output; the check contracts the
 * output with a fixed random projection (so every output element matters), compares the
 * analytic gradient of every input with (f(x+h) − f(x−h)) / 2h, and reports the worst error.
 */
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Variable, backward, noGrad, parameter } from './variable.js';

export interface GradcheckOptions {
  /** Step of the central difference. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random output projection. */
  seed?: number;
  /** Check at most this many coordinates per input (chosen at random); default all. */
  maxPerInput?: number;
}

export interface GradcheckMismatch {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  mismatches: GradcheckMismatch[];
}

export function gradcheck(
  fn: (...inputs: Variable[]) => Variable,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const vars = inputs.map((t) => {
    if (t.dtype !== 'float64') throw new Error('gradcheck: inputs must be float64 tensors');
    return parameter(t.clone());
  });
  return gradcheckVariables(() => fn(...vars), vars, options);
}

/**
 * Gradient check over existing leaf variables (a module's parameters and its inputs):
 * `run` recomputes the output from the variables' current values; each coordinate is
 * perturbed in place and restored. Variables must hold float64 values.
 */
export function gradcheckVariables(
  run: () => Variable,
  variables: readonly Variable[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const rng = new Random(options.seed ?? 1234);
  for (const v of variables) {
    if (v.value.dtype !== 'float64')
      throw new Error('gradcheckVariables: variables must hold float64 values');
    v.zeroGrad();
  }
  const out = run();
  const projection = new Float64Array(out.value.size);
  for (let i = 0; i < projection.length; i++) projection[i] = rng.uniformIn(-1, 1);
  backward(out, new Tensor(projection, out.shape));
  const evaluate = (): number =>
    noGrad(() => {
      const o = run();
      let s = 0;
      for (let i = 0; i < projection.length; i++) s += projection[i]! * o.value.data[i]!;
      return s;
    });

  const result: GradcheckResult = { ok: true, maxAbsError: 0, mismatches: [] };
  variables.forEach((v, inputIndex) => {
    const data = v.value.data;
    const analytic = v.grad?.data ?? new Float64Array(data.length);
    let indices = Array.from({ length: data.length }, (_, i) => i);
    if (options.maxPerInput !== undefined && indices.length > options.maxPerInput) {
      indices = rng.shuffle(indices).slice(0, options.maxPerInput);
    }
    for (const i of indices) {
      const saved = data[i]!;
      data[i] = saved + eps;
      const plus = evaluate();
      data[i] = saved - eps;
      const minus = evaluate();
      data[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[i]!;
      const err = Math.abs(a - numeric);
      result.maxAbsError = Math.max(result.maxAbsError, err);
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        result.ok = false;
        if (result.mismatches.length < 10)
          result.mismatches.push({ input: inputIndex, index: i, analytic: a, numeric });
      }
    }
  });
  return result;
}
