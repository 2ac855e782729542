import { describe, expect, it } from 'vitest';
import { adam } from '../../src/optim/optimizers.js';
import { chain } from '../../src/optim/transform.js';
import { clipByGlobalNorm } from '../../src/optim/transforms.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { runSteps } from './run-transform.js';

const TIGHT = { atol: 1e-15, rtol: 1e-13 };
const t64 = (v: number[]): Tensor => Tensor.from(v, [v.length], 'float64');

describe('clipByGlobalNorm (torch.nn.utils.clip_grad_norm_)', () => {
  it('scales every gradient by maxNorm / (‖g‖ + 1e-6) when the norm is above maxNorm', () => {
    const clip = clipByGlobalNorm(1);
    const params = [t64([0, 0]), t64([0])];
    const state = clip.init(params);
    // ‖(3, 4, 12)‖ = 13
    const { updates } = clip.update([t64([3, 4]), t64([12])], state, params);
    const coef = 1 / (13 + 1e-6);
    expectAllClose(updates[0]!.data, [3 * coef, 4 * coef], TIGHT);
    expectAllClose(updates[1]!.data, [12 * coef], TIGHT);
    expect(state.norm).toBe(13);
  });

  it('leaves gradients unchanged below maxNorm and skips null gradients in the norm', () => {
    const clip = clipByGlobalNorm(5.5);
    const params = [t64([0, 0]), t64([0])];
    const state = clip.init(params);
    const g = t64([3, 4]);
    const { updates } = clip.update([g, null], state, params);
    expect(updates[0]!.data).toEqual(g.data);
    expect(updates[1]).toBeNull();
    expect(state.norm).toBe(5);
  });

  it('does not modify the gradients it reads', () => {
    const clip = clipByGlobalNorm(1);
    const g = t64([3, 4]);
    clip.update([g], clip.init([t64([0, 0])]), [t64([0, 0])]);
    expect(Array.from(g.data)).toEqual([3, 4]);
  });

  it('propagates a non-finite norm like PyTorch, or throws when asked to', () => {
    const params = [t64([0, 0])];
    const lenient = clipByGlobalNorm(1);
    // ‖g‖ = ∞ → coefficient 0: ∞·0 = NaN, 1·0 = 0; ‖g‖ = NaN → everything NaN.
    const inf = lenient.update([t64([Infinity, 1])], lenient.init(params), params).updates[0]!;
    expect(Array.from(inf.data)).toEqual([NaN, 0]);
    const nan = lenient.update([t64([NaN, 1])], lenient.init(params), params).updates[0]!;
    expect(Array.from(nan.data)).toEqual([NaN, NaN]);
    const strict = clipByGlobalNorm(1, { errorIfNonfinite: true });
    expect(() => strict.update([t64([NaN, 1])], strict.init(params), params)).toThrow(
      /global gradient norm is NaN/,
    );
  });

  it('chains before adam: the clipped gradients feed the moments', () => {
    // After clipping to norm 1, Adam's first step is −lr·ĝ/(|ĝ| + ε) per element.
    const h = runSteps(chain(clipByGlobalNorm(1), adam(0.1)), [[0, 0]], [[[30, -40]]]);
    const c = 1 / (50 + 1e-6);
    expectAllClose(
      h[0]![0]!,
      [(-0.1 * 30 * c) / (30 * c + 1e-8), (0.1 * 40 * c) / (40 * c + 1e-8)],
      TIGHT,
    );
  });
});
