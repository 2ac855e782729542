/**
 * Optimisers as gradient transformations, in the style of optax: each is a pair
 * `{ init, update }`; `update` maps gradients to updates, `chain` composes them left to
 * right, and `applyUpdates` adds the final updates to the parameters (`θ ← θ + u`).
 *
 * Allocation: these run every epoch, so every transform allocates its buffers (moments,
 * output updates) once in `init` and `update` writes into them. The returned state is the
 * same object, updated in place; the returned updates stay valid until the next `update`.
 *
 * A `null` gradient means "this parameter took no part in the loss": as in PyTorch, its
 * update is `null` and its per-parameter state (moments, step count) is left untouched.
 */
import { unpooled } from '../tensor/pool.js';
import type { Variable } from '../autograd/variable.js';
import { Tensor, formatShape } from '../tensor/tensor.js';

/** One entry per parameter; `null` skips that parameter. */
export type Updates = readonly (Tensor | null)[];

export interface UpdateResult<S> {
  readonly updates: Updates;
  readonly state: S;
}

export interface GradientTransformation<S = unknown> {
  /** Names the transform in error messages. */
  readonly name: string;
  init(params: readonly Tensor[]): S;
  update(grads: Updates, state: S, params: readonly Tensor[]): UpdateResult<S>;
}

/**
 * A transform that can also add its updates to the parameters itself, in the same pass that
 * computes them (no update buffers, each element touched once). `Optimizer.step` uses it
 * when present; `update` must give the same result through `applyUpdates`.
 */
export interface InPlaceTransformation<S = unknown> extends GradientTransformation<S> {
  /** θ ← θ + update(g) in place for every parameter whose gradient is not null. */
  applyInPlace(grads: Updates, state: S, params: readonly Tensor[]): S;
}

export function isInPlace<S>(t: GradientTransformation<S>): t is InPlaceTransformation<S> {
  return 'applyInPlace' in t && typeof t.applyInPlace === 'function';
}

/**
 * Zero tensors shaped and typed like `params`: state and output buffers. They outlive the
 * step that may create them, so they never come from a StoragePool.
 */
export function zerosLike(params: readonly Tensor[]): Tensor[] {
  return unpooled(() => params.map((p) => Tensor.zeros(p.shape, p.dtype)));
}

/** Checks that `grads` lines up with the buffers made by `init` (one per parameter, same sizes). */
export function checkUpdates(name: string, grads: Updates, buffers: readonly Tensor[]): void {
  if (grads.length !== buffers.length) {
    throw new Error(
      `${name}: expected ${buffers.length} gradients (one per parameter given to init), found ${grads.length}`,
    );
  }
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    const b = buffers[i]!;
    if (g !== null && g !== undefined && g.size !== b.size) {
      throw new Error(
        `${name}: gradient ${i} has shape ${formatShape(g.shape)}, its parameter has shape ${formatShape(b.shape)}`,
      );
    }
  }
}

/** Composes transforms left to right: each one's updates are the next one's gradients. */
export function chain(
  ...transforms: readonly GradientTransformation[]
): GradientTransformation<unknown[]> {
  const name = `chain(${transforms.map((t) => t.name).join(', ')})`;
  return {
    name,
    init: (params) => transforms.map((t) => t.init(params)),
    update(grads, state, params) {
      if (state.length !== transforms.length) {
        throw new Error(
          `${name}: expected a state per transform (${transforms.length}), found ${state.length}`,
        );
      }
      let updates = grads;
      for (let k = 0; k < transforms.length; k++) {
        const result = transforms[k]!.update(updates, state[k], params);
        state[k] = result.state;
        updates = result.updates;
      }
      return { updates, state };
    },
  };
}

/** θ ← θ + u in place, for every parameter whose update is not null. */
export function applyUpdates(params: readonly Variable[], updates: Updates): void {
  if (params.length !== updates.length) {
    throw new Error(
      `applyUpdates: expected ${params.length} updates (one per parameter), found ${updates.length}`,
    );
  }
  for (let i = 0; i < params.length; i++) {
    const u = updates[i];
    if (u === null || u === undefined) continue;
    const p = params[i]!.value.data;
    const d = u.data;
    if (d.length !== p.length) {
      throw new Error(
        `applyUpdates: update ${i} has shape ${formatShape(u.shape)}, its parameter has shape ${formatShape(params[i]!.shape)}`,
      );
    }
    for (let j = 0; j < p.length; j++) p[j]! += d[j]!;
  }
}
