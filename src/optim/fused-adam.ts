/**
 * Adam (torch.optim.Adam, L2 weight decay, amsgrad off) in one pass per parameter, by the
 * `adamStep` kernel. On the reference kernels this is the arithmetic of
 * chain(addDecayedWeights(λ), scaleByAdam(), scaleByLearningRate(lr)) — that composition
 * stays the reference (`adamComposed`) — bit for bit, float32 roundings included; the
 * WebAssembly kernel computes in float32 SIMD as PyTorch does (agreement to float32 rounding).
 *
 * As a transform it writes its updates into reused buffers like any other; `Optimizer`
 * calls `applyInPlace` instead, which updates θ directly and touches each element once.
 */
import { kernels } from '../kernels/backend.js';
import type { PoolStorage } from '../tensor/pool.js';
import { Tensor } from '../tensor/tensor.js';
import { resolveLearningRate, type LearningRate } from './learning-rate.js';
import { checkUpdates, zerosLike, type InPlaceTransformation, type Updates } from './transform.js';
import type { AdamWeightDecayOptions } from './optimizers.js';
import type { AdamStepArgs } from '../kernels/kernels.js';

/**
 * The moments are the largest state of a step that lives across steps. Where the kernels
 * lend storage in their own memory (PoolStorage: the WebAssembly kernels), m and v are put
 * there, so that every step updates them in place instead of copying 4 arrays of the
 * parameters' size in and out (Cora: ~115 µs of a step). They are given back when the state
 * that owns them is garbage-collected; nothing else may keep them.
 */
const storageOwners = new FinalizationRegistry<{ storage: PoolStorage; arrays: Float32Array[] }>(
  ({ storage, arrays }) => {
    // A finalizer must not throw (it would surface as an uncaught exception).
    for (const a of arrays) {
      try {
        storage.release(a);
      } catch {
        // already given back: nothing to do
      }
    }
  },
);

function zeroMoments(params: readonly Tensor[], lent: Float32Array[]): Tensor[] {
  const storage = kernels().poolStorage;
  return params.map((p) => {
    if (storage !== undefined && p.dtype === 'float32' && p.size > 0) {
      const a = storage.allocate(p.size);
      if (a !== null) {
        lent.push(a);
        return new Tensor(a, p.shape);
      }
    }
    return zerosLike([p])[0]!;
  });
}

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

export function fusedAdam(
  learningRate: LearningRate,
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
  if (
    typeof learningRate === 'number' &&
    (!(learningRate >= 0) || !Number.isFinite(learningRate))
  ) {
    throw new RangeError(`${name}: lr must be a finite number >= 0, found ${learningRate}`);
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
    const lr = resolveLearningRate(learningRate, state.count, name);
    for (let i = 0; i < grads.length; i++) {
      const g = grads[i];
      if (g === null || g === undefined) {
        state.updates[i] = null;
        continue;
      }
      const t = ++state.steps[i]!;
      const args: AdamStepArgs = {
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        biasCorrection1: 1 - beta1 ** t,
        sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** t),
      };
      const m = state.m[i]!.data;
      const target = apply ? null : targets[i]!.data;
      kernels().adamStep(args, params[i]!.data, g.data, m, state.v[i]!.data, target, m.length);
      state.updates[i] = apply ? null : targets[i]!;
    }
    state.count++;
  };

  return {
    name,
    init: (params) => {
      const lent: Float32Array[] = [];
      const state: FusedAdamState = {
        m: zeroMoments(params, lent),
        v: zeroMoments(params, lent),
        steps: params.map(() => 0),
        count: 0,
        out: null,
        updates: params.map(() => null),
      };
      const storage = kernels().poolStorage;
      if (storage !== undefined && lent.length > 0) {
        storageOwners.register(state, { storage, arrays: lent });
      }
      return state;
    },
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
