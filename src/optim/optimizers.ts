/**
 * The optimisers, each a chain of the primitive transforms, with torch.optim's names,
 * defaults and update rules:
 *
 * - `sgd`:   g ← g + λθ; momentum b (see `momentum`); θ ← θ − lr·(b or g + μb)
 * - `adam`:  g ← g + λθ (L2, as torch.optim.Adam); θ ← θ − lr·m̂ / (√v̂ + ε) (fused into one
 *            pass; `adamComposed` is the chain it is tested against)
 * - `adamw`: θ ← θ − lr·(m̂ / (√v̂ + ε) + λθ) (decoupled, as torch.optim.AdamW)
 */
import type { LearningRate } from './learning-rate.js';
import { fusedAdam, type FusedAdamState } from './fused-adam.js';
import { chain, type GradientTransformation, type InPlaceTransformation } from './transform.js';
import {
  addDecayedWeights,
  momentum as momentumTransform,
  scaleByAdam,
  scaleByLearningRate,
  type AdamOptions,
} from './transforms.js';

export interface SgdOptions {
  /** μ. Default 0 (plain SGD). */
  momentum?: number;
  /** τ. Default 0. */
  dampening?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
  /** λ, L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
}

/** torch.optim.SGD. */
export function sgd(
  lr: LearningRate,
  { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 }: SgdOptions = {},
): GradientTransformation<unknown[]> {
  const links: GradientTransformation[] = [addDecayedWeights(weightDecay)];
  if (momentum !== 0 || nesterov) {
    links.push(momentumTransform(momentum, { dampening, nesterov }));
  }
  links.push(scaleByLearningRate(lr));
  return chain(...links);
}

export interface AdamWeightDecayOptions extends AdamOptions {
  /** λ. Default 0 for `adam` (L2 penalty), 0.01 for `adamw` (decoupled). */
  weightDecay?: number;
}

/**
 * torch.optim.Adam (amsgrad off): weight decay is an L2 term added to the gradient. Fused
 * into one pass per parameter (fused-adam.ts); the same numbers as `adamComposed`.
 */
export function adam(
  lr: LearningRate = 1e-3,
  options: AdamWeightDecayOptions = {},
): InPlaceTransformation<FusedAdamState> {
  return fusedAdam(lr, options);
}

/** Adam as the chain of primitive transforms: the reference the fused `adam` is tested against. */
export function adamComposed(
  lr: LearningRate = 1e-3,
  { weightDecay = 0, ...options }: AdamWeightDecayOptions = {},
): GradientTransformation<unknown[]> {
  return chain(addDecayedWeights(weightDecay), scaleByAdam(options), scaleByLearningRate(lr));
}

/** torch.optim.AdamW (amsgrad off): weight decay is applied to θ, outside the moments. */
export function adamw(
  lr: LearningRate = 1e-3,
  { weightDecay = 0.01, ...options }: AdamWeightDecayOptions = {},
): GradientTransformation<unknown[]> {
  return chain(scaleByAdam(options), addDecayedWeights(weightDecay), scaleByLearningRate(lr));
}
