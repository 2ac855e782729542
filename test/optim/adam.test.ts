import { describe, expect, it } from 'vitest';
import { adam, adamw } from '../../src/optim/optimizers.js';
import { scaleByAdam } from '../../src/optim/transforms.js';
import { expectAllClose } from '../helpers/allclose.js';
import { gradSequence, runSteps } from './run-transform.js';

const TIGHT = { atol: 1e-14, rtol: 1e-11 };

interface AdamReference {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/**
 * torch.optim.Adam / AdamW (amsgrad off) from their documented algorithms, in float64:
 *   Adam:  g ← g + λθ                    AdamW: θ ← θ − γλθ
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
 *   θ ← θ − (γ / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 */
function adamReference(
  o: AdamReference,
  initial: readonly (readonly number[])[],
  gradsPerStep: readonly (readonly (readonly number[])[])[],
): number[][][] {
  const theta = initial.map((p) => [...p]);
  const m = initial.map((p) => p.map(() => 0));
  const v = initial.map((p) => p.map(() => 0));
  const history: number[][][] = [];
  gradsPerStep.forEach((grads, k) => {
    const t = k + 1;
    const bc1 = 1 - o.beta1 ** t;
    const bc2 = 1 - o.beta2 ** t;
    theta.forEach((p, i) => {
      for (let j = 0; j < p.length; j++) {
        let g = grads[i]![j]!;
        if (o.decoupled) p[j] = p[j]! * (1 - o.lr * o.weightDecay);
        else g += o.weightDecay * p[j]!;
        m[i]![j] = o.beta1 * m[i]![j]! + (1 - o.beta1) * g;
        v[i]![j] = o.beta2 * v[i]![j]! + (1 - o.beta2) * g * g;
        const denom = Math.sqrt(v[i]![j]!) / Math.sqrt(bc2) + o.eps;
        p[j] = p[j]! - (o.lr / bc1) * (m[i]![j]! / denom);
      }
    });
    history.push(theta.map((p) => [...p]));
  });
  return history;
}

const initial = [
  [0.5, -1.25, 2, 0],
  [3, 0.1],
];
const grads = gradSequence([4, 2], 6);

function expectTrajectory(actual: number[][][], expected: number[][][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((step, k) =>
    step.forEach((p, i) => expectAllClose(p, expected[k]![i]!, TIGHT, `step ${k} param ${i}`)),
  );
}

describe('adam (torch.optim.Adam)', () => {
  const base = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };

  it('matches the PyTorch update with defaults over 6 steps (bias correction)', () => {
    expectTrajectory(runSteps(adam(0.01), initial, grads), adamReference(base, initial, grads));
  });

  it('matches with L2 weight decay added to the gradient before the moments', () => {
    const o = { ...base, weightDecay: 0.1, beta1: 0.8, beta2: 0.95, eps: 1e-6 };
    const t = adam(o.lr, { weightDecay: 0.1, betas: [0.8, 0.95], eps: 1e-6 });
    expectTrajectory(runSteps(t, initial, grads), adamReference(o, initial, grads));
  });

  it('first step by hand: bias correction makes |Δθ| = lr·|g| / (|g| + ε)', () => {
    // m₁ = 0.1g, v₁ = 0.001g², m̂ = g, v̂ = g²: Δθ = −lr·g / (|g| + ε).
    const h = runSteps(adam(0.5), [[1, 1]], [[[3, -1e-3]]]);
    expectAllClose(
      h[0]![0]!,
      [1 - (0.5 * 3) / (3 + 1e-8), 1 + (0.5 * 1e-3) / (1e-3 + 1e-8)],
      TIGHT,
    );
  });

  it('rejects betas outside [0, 1) and negative eps', () => {
    expect(() => adam(0.01, { betas: [1, 0.999] })).toThrow(
      /betas\[0\] must be in \[0, 1\), found 1/,
    );
    expect(() => scaleByAdam({ eps: -1 })).toThrow(/eps must be .* found -1/);
  });
});

describe('adamw (torch.optim.AdamW)', () => {
  const base = {
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    decoupled: true,
  };

  it('decays weights by 0.01 by default, outside the moments', () => {
    expectTrajectory(runSteps(adamw(0.01), initial, grads), adamReference(base, initial, grads));
  });

  it('matches with a large decay, where coupling would differ visibly', () => {
    const o = { ...base, lr: 0.05, weightDecay: 0.5 };
    expectTrajectory(
      runSteps(adamw(0.05, { weightDecay: 0.5 }), initial, grads),
      adamReference(o, initial, grads),
    );
    const coupled = adamReference({ ...o, decoupled: false }, initial, grads);
    const decoupled = adamReference(o, initial, grads);
    expect(Math.abs(coupled[5]![0]![2]! - decoupled[5]![0]![2]!)).toBeGreaterThan(1e-3);
  });

  it('with zero gradient only the decay moves θ: θ·(1 − lr·λ)', () => {
    const h = runSteps(adamw(0.1, { weightDecay: 0.5 }), [[2]], [[[0]]]);
    expectAllClose(h[0]![0]!, [2 * (1 - 0.1 * 0.5)], TIGHT);
  });
});
