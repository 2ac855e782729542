/**
 * Adam (torch.optim.Adam, L2 weight decay, amsgrad off) in one pass per parameter: the same
 * arithmetic as chain(addDecayedWeights(λ), scaleByAdam(), scaleByLearningRate(lr)) — that
 * composition stays the reference (`adamComposed`) — with the intermediate float32 roundings
 * of the chain's buffers reproduced, so a float32 model steps to the same bits either way.
 *
 * As a transform it writes its updates into reused buffers like any other; `Optimizer`
 * calls `applyInPlace` instead, which updates θ directly and touches each element once.
 */
import type { Tensor } from '../tensor/tensor.js';
import { resolveLearningRate, type LearningRate } from './learning-rate.js';
import { checkUpdates, zerosLike, type InPlaceTransformation, type Updates } from './transform.js';
import type { AdamWeightDecayOptions } from './optimizers.js';

export interface FusedAdamState {
  readonly m: Tensor[];
  readonly v: Tensor[];
  /** Steps taken per parameter (bias correction is per parameter, as in PyTorch). */
  readonly steps: number[];
  /** Updates done so far; the step a learning-rate schedule is called with. */
  count: number;
  /** Update buffers, allocated on the first `update` (never by `applyInPlace`). */
  out: Tensor[] | null;
  readonly updates: (Tensor | null)[];
}

interface Coefficients {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1 − β₁ᵗ and √(1 − β₂ᵗ) */
  bc1: number;
  sbc2: number;
  /** −lr */
  factor: number;
}

/**
 * One parameter: m, v updated; target[j] = −lr·û (update) or θ += −lr·û (apply, target = θ).
 * Two loops: float32 rounds where the chain's float32 buffers round, float64 never does.
 */
function adamStep(
  c: Coefficients,
  g: Tensor,
  theta: Tensor,
  m: Tensor,
  v: Tensor,
  target: Tensor,
  apply: boolean,
): void {
  const { beta1, beta2, eps, weightDecay, bc1, sbc2, factor } = c;
  const gd = g.data;
  const pd = theta.data;
  const md = m.data;
  const vd = v.data;
  const td = target.data;
  const n = md.length;
  if (md instanceof Float32Array) {
    for (let j = 0; j < n; j++) {
      const gj = weightDecay === 0 ? gd[j]! : Math.fround(gd[j]! + weightDecay * pd[j]!);
      const mj = beta1 * md[j]! + (1 - beta1) * gj;
      const vj = beta2 * vd[j]! + (1 - beta2) * gj * gj;
      md[j] = mj;
      vd[j] = vj;
      const u = Math.fround(factor * Math.fround(mj / bc1 / (Math.sqrt(vj) / sbc2 + eps)));
      if (apply) td[j]! += u;
      else td[j] = u;
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    const gj = weightDecay === 0 ? gd[j]! : gd[j]! + weightDecay * pd[j]!;
    const mj = beta1 * md[j]! + (1 - beta1) * gj;
    const vj = beta2 * vd[j]! + (1 - beta2) * gj * gj;
    md[j] = mj;
    vd[j] = vj;
    const u = factor * (mj / bc1 / (Math.sqrt(vj) / sbc2 + eps));
    if (apply) td[j]! += u;
    else td[j] = u;
  }
}

export function fusedAdam(
  lr: LearningRate,
  { weightDecay = 0, betas = [0.9, 0.999], eps = 1e-8 }: AdamWeightDecayOptions,
): InPlaceTransformation<FusedAdamState> {
  const name = 'adam';
  for (const [k, beta] of betas.entries()) {
    if (!(beta >= 0 && beta < 1)) {
      throw new RangeError(`${name}: betas[${k}] must be in [0, 1), found ${beta}`);
    }
  }
  for (const [what, value] of [
    ['eps', eps],
    ['weightDecay', weightDecay],
  ] as const) {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name}: ${what} must be a finite number >= 0, found ${value}`);
    }
  }
  if (typeof lr === 'number' && (!(lr >= 0) || !Number.isFinite(lr))) {
    throw new RangeError(`${name}: lr must be a finite number >= 0, found ${lr}`);
  }
  const [beta1, beta2] = betas;

  const run = (
    grads: Updates,
    state: FusedAdamState,
    params: readonly Tensor[],
    targets: readonly Tensor[],
    apply: boolean,
  ): void => {
    checkUpdates(name, grads, state.m);
    const factor = -resolveLearningRate(lr, state.count, name);
    for (let i = 0; i < grads.length; i++) {
      const g = grads[i];
      if (g === null || g === undefined) {
        state.updates[i] = null;
        continue;
      }
      const t = ++state.steps[i]!;
      const c: Coefficients = {
        beta1,
        beta2,
        eps,
        weightDecay,
        bc1: 1 - beta1 ** t,
        sbc2: Math.sqrt(1 - beta2 ** t),
        factor,
      };
      adamStep(c, g, params[i]!, state.m[i]!, state.v[i]!, targets[i]!, apply);
      state.updates[i] = apply ? null : targets[i]!;
    }
    state.count++;
  };

  return {
    name,
    init: (params) => ({
      m: zerosLike(params),
      v: zerosLike(params),
      steps: params.map(() => 0),
      count: 0,
      out: null,
      updates: params.map(() => null),
    }),
    update(grads, state, params) {
      state.out ??= zerosLike(params);
      run(grads, state, params, state.out, false);
      return { updates: state.updates, state };
    },
    applyInPlace(grads, state, params) {
      run(grads, state, params, params, true);
      return state;
    },
  };
}
