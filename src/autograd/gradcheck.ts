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
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const rng = new Random(options.seed ?? 1234);
  const xs = inputs.map((t) => {
    if (t.dtype !== 'float64') throw new Error('gradcheck: inputs must be float64 tensors');
    return t.clone();
  });

  const vars = xs.map((x) => parameter(x));
  const out = fn(...vars);
  const projection = new Float64Array(out.value.size);
  for (let i = 0; i < projection.length; i++) projection[i] = rng.uniformIn(-1, 1);
  backward(out, new Tensor(projection, out.shape));

  const evaluate = (): number =>
    noGrad(() => {
      const o = fn(...xs.map((x) => new Variable(x, false)));
      let s = 0;
      for (let i = 0; i < projection.length; i++) s += projection[i]! * o.value.data[i]!;
      return s;
    });

  const result: GradcheckResult = { ok: true, maxAbsError: 0, mismatches: [] };
  xs.forEach((x, inputIndex) => {
    const analytic = vars[inputIndex]!.grad?.data ?? new Float64Array(x.size);
    let indices = Array.from({ length: x.size }, (_, i) => i);
    if (options.maxPerInput !== undefined && indices.length > options.maxPerInput) {
      indices = rng.shuffle(indices).slice(0, options.maxPerInput);
    }
    for (const i of indices) {
      const saved = x.data[i]!;
      x.data[i] = saved + eps;
      const plus = evaluate();
      x.data[i] = saved - eps;
      const minus = evaluate();
      x.data[i] = saved;
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
