/**
 * The primitive gradient transformations; `sgd`, `adam` and `adamw` are chains of these.
 * Each follows the PyTorch update it mirrors (documented per function) so that a model
 * trained here matches one trained with torch.optim given the same gradients.
 */
import { Tensor } from '../tensor/tensor.js';
import { resolveLearningRate, type LearningRate } from './learning-rate.js';
import { checkUpdates, zerosLike, type GradientTransformation } from './transform.js';

/** Output buffers reused on every update, plus the array of updates handed on. */
interface Outputs {
  readonly out: Tensor[];
  readonly updates: (Tensor | null)[];
}

function outputs(params: readonly Tensor[]): Outputs {
  return { out: zerosLike(params), updates: params.map(() => null) };
}

function checkNonNegative(name: string, what: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name}: ${what} must be a finite number >= 0, found ${value}`);
  }
}

export interface ScaleByLearningRateState extends Outputs {
  /** Updates done so far; the step a schedule is called with. */
  count: number;
}

/** u ← −lr · g: the last link of every optimiser (`lr` may be a schedule or a plateau object). */
export function scaleByLearningRate(
  lr: LearningRate,
): GradientTransformation<ScaleByLearningRateState> {
  const name = 'scaleByLearningRate';
  if (typeof lr === 'number') checkNonNegative(name, 'lr', lr);
  return {
    name,
    init: (params) => ({ ...outputs(params), count: 0 }),
    update(grads, state) {
      checkUpdates(name, grads, state.out);
      const factor = -resolveLearningRate(lr, state.count, name);
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (g === null || g === undefined) {
          state.updates[i] = null;
          continue;
        }
        const o = state.out[i]!;
        const od = o.data;
        const gd = g.data;
        for (let j = 0; j < od.length; j++) od[j] = factor * gd[j]!;
        state.updates[i] = o;
      }
      state.count++;
      return { updates: state.updates, state };
    },
  };
}

/**
 * u ← g + λ·θ. Before the moments this is L2 regularisation (torch.optim.SGD and Adam's
 * `weight_decay`); after `scaleByAdam` it is AdamW's decoupled decay, since
 * θ − lr·(d + λθ) = θ·(1 − lr·λ) − lr·d exactly as torch.optim.AdamW steps.
 */
export function addDecayedWeights(weightDecay: number): GradientTransformation<Outputs | null> {
  const name = 'addDecayedWeights';
  checkNonNegative(name, 'weightDecay', weightDecay);
  return {
    name,
    // No decay: pass gradients through and allocate nothing.
    init: (params) => (weightDecay === 0 ? null : outputs(params)),
    update(grads, state, params) {
      if (state === null) return { updates: grads, state };
      checkUpdates(name, grads, state.out);
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (g === null || g === undefined) {
          state.updates[i] = null;
          continue;
        }
        const o = state.out[i]!;
        const od = o.data;
        const gd = g.data;
        const pd = params[i]!.data;
        for (let j = 0; j < od.length; j++) od[j] = gd[j]! + weightDecay * pd[j]!;
        state.updates[i] = o;
      }
      return { updates: state.updates, state };
    },
  };
}

export interface MomentumOptions {
  /** τ: the share of each gradient left out of the buffer. Default 0. */
  dampening?: number;
  /** Nesterov momentum (needs dampening 0). Default false. */
  nesterov?: boolean;
}

export interface MomentumState extends Outputs {
  /** b per parameter. */
  readonly buffers: Tensor[];
  /** Whether b has been set (PyTorch's momentum_buffer is None until the first step). */
  readonly started: boolean[];
}

/**
 * torch.optim.SGD's momentum: b ← g on a parameter's first step, else b ← μ·b + (1 − τ)·g;
 * the update is g + μ·b with Nesterov, b without.
 */
export function momentum(
  mu: number,
  { dampening = 0, nesterov = false }: MomentumOptions = {},
): GradientTransformation<MomentumState> {
  const name = 'momentum';
  checkNonNegative(name, 'momentum', mu);
  checkNonNegative(name, 'dampening', dampening);
  if (nesterov && (mu <= 0 || dampening !== 0)) {
    throw new RangeError(
      `${name}: Nesterov momentum needs momentum > 0 and dampening 0, found momentum ${mu} and dampening ${dampening}`,
    );
  }
  return {
    name,
    init: (params) => ({
      ...outputs(params),
      buffers: zerosLike(params),
      started: params.map(() => false),
    }),
    update(grads, state) {
      checkUpdates(name, grads, state.buffers);
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (g === null || g === undefined) {
          state.updates[i] = null;
          continue;
        }
        const gd = g.data;
        const b = state.buffers[i]!;
        const bd = b.data;
        if (state.started[i]) {
          for (let j = 0; j < bd.length; j++) bd[j] = mu * bd[j]! + (1 - dampening) * gd[j]!;
        } else {
          bd.set(gd);
          state.started[i] = true;
        }
        if (!nesterov) {
          state.updates[i] = b;
          continue;
        }
        const o = state.out[i]!;
        const od = o.data;
        for (let j = 0; j < od.length; j++) od[j] = gd[j]! + mu * bd[j]!;
        state.updates[i] = o;
      }
      return { updates: state.updates, state };
    },
  };
}

export interface AdamOptions {
  /** β₁, β₂: decay of the first and second moments. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator. Default 1e-8. */
  eps?: number;
}

export interface AdamState extends Outputs {
  /** m, v per parameter. */
  readonly m: Tensor[];
  readonly v: Tensor[];
  /** Steps taken per parameter (bias correction is per parameter, as in PyTorch). */
  readonly steps: number[];
}

function checkAdamOptions(name: string, betas: readonly [number, number], eps: number): void {
  for (const [k, beta] of betas.entries()) {
    if (!(beta >= 0 && beta < 1)) {
      throw new RangeError(`${name}: betas[${k}] must be in [0, 1), found ${beta}`);
    }
  }
  checkNonNegative(name, 'eps', eps);
}

/**
 * Adam's direction without the learning rate, as torch.optim.Adam computes it at step t:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², u = (m / (1−β₁ᵗ)) / (√v / √(1−β₂ᵗ) + ε).
 */
export function scaleByAdam({
  betas = [0.9, 0.999],
  eps = 1e-8,
}: AdamOptions = {}): GradientTransformation<AdamState> {
  const name = 'scaleByAdam';
  checkAdamOptions(name, betas, eps);
  const [beta1, beta2] = betas;
  return {
    name,
    init: (params) => ({
      ...outputs(params),
      m: zerosLike(params),
      v: zerosLike(params),
      steps: params.map(() => 0),
    }),
    update(grads, state) {
      checkUpdates(name, grads, state.m);
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (g === null || g === undefined) {
          state.updates[i] = null;
          continue;
        }
        const t = ++state.steps[i]!;
        const biasCorrection1 = 1 - beta1 ** t;
        const sqrtBiasCorrection2 = Math.sqrt(1 - beta2 ** t);
        const gd = g.data;
        const md = state.m[i]!.data;
        const vd = state.v[i]!.data;
        const o = state.out[i]!;
        const od = o.data;
        for (let j = 0; j < od.length; j++) {
          const gj = gd[j]!;
          const mj = beta1 * md[j]! + (1 - beta1) * gj;
          const vj = beta2 * vd[j]! + (1 - beta2) * gj * gj;
          md[j] = mj;
          vd[j] = vj;
          od[j] = mj / biasCorrection1 / (Math.sqrt(vj) / sqrtBiasCorrection2 + eps);
        }
        state.updates[i] = o;
      }
      return { updates: state.updates, state };
    },
  };
}

export interface ClipState extends Outputs {
  /** The global norm of the last gradients seen (before clipping). */
  norm: number;
}

export interface ClipOptions {
  /** Throw when the norm is NaN or infinite instead of scaling by it. Default false. */
  errorIfNonfinite?: boolean;
}

/**
 * torch.nn.utils.clip_grad_norm_ (2-norm): with n = ‖all gradients‖₂, every gradient is
 * scaled by min(1, maxNorm / (n + 1e-6)). Null gradients are left out of the norm.
 */
export function clipByGlobalNorm(
  maxNorm: number,
  { errorIfNonfinite = false }: ClipOptions = {},
): GradientTransformation<ClipState> {
  const name = 'clipByGlobalNorm';
  checkNonNegative(name, 'maxNorm', maxNorm);
  return {
    name,
    init: (params) => ({ ...outputs(params), norm: 0 }),
    update(grads, state) {
      checkUpdates(name, grads, state.out);
      let sumSquares = 0;
      for (const g of grads) {
        if (g === null) continue;
        const gd = g.data;
        for (let j = 0; j < gd.length; j++) sumSquares += gd[j]! * gd[j]!;
      }
      const norm = Math.sqrt(sumSquares);
      state.norm = norm;
      if (errorIfNonfinite && !Number.isFinite(norm)) {
        throw new RangeError(`${name}: the global gradient norm is ${norm}`);
      }
      const coef = Math.min(maxNorm / (norm + 1e-6), 1);
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        if (g === null || g === undefined || coef === 1) {
          // Scaling by 1 changes nothing: hand the gradient on without a copy.
          state.updates[i] = g ?? null;
          continue;
        }
        const o = state.out[i]!;
        const od = o.data;
        const gd = g.data;
        for (let j = 0; j < od.length; j++) od[j] = gd[j]! * coef;
        state.updates[i] = o;
      }
      return { updates: state.updates, state };
    },
  };
}
