import { describe, expect, it } from 'vitest';
import { sgd } from '../../src/optim/optimizers.js';
import { momentum } from '../../src/optim/transforms.js';
import { expectAllClose } from '../helpers/allclose.js';
import { gradSequence, runSteps } from './run-transform.js';

const TIGHT = { atol: 1e-14, rtol: 1e-12 };

interface SgdReference {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

/**
 * torch.optim.SGD, written from its documented algorithm, in float64:
 *   g ← g + λθ;  if μ ≠ 0: b ← (t > 1 ? μb + (1−τ)g : g);  g ← nesterov ? g + μb : b;
 *   θ ← θ − γg
 */
function sgdReference(
  o: SgdReference,
  initial: readonly (readonly number[])[],
  gradsPerStep: readonly (readonly (readonly number[])[])[],
): number[][][] {
  const theta = initial.map((p) => [...p]);
  const b: (number[] | null)[] = initial.map(() => null);
  const history: number[][][] = [];
  for (const grads of gradsPerStep) {
    theta.forEach((p, i) => {
      let g = grads[i]!.map((gj, j) => gj + o.weightDecay * p[j]!);
      if (o.momentum !== 0) {
        const prev = b[i] ?? null;
        const buf: number[] =
          prev === null ? [...g] : prev.map((bj, j) => o.momentum * bj + (1 - o.dampening) * g[j]!);
        b[i] = buf;
        g = o.nesterov ? g.map((gj, j) => gj + o.momentum * buf[j]!) : buf;
      }
      for (let j = 0; j < p.length; j++) p[j] = p[j]! - o.lr * g[j]!;
    });
    history.push(theta.map((p) => [...p]));
  }
  return history;
}

const initial = [
  [0.5, -1.25, 2],
  [3, 0.1],
];
const grads = gradSequence([3, 2], 5);

describe('sgd (torch.optim.SGD)', () => {
  const cases: [string, SgdReference][] = [
    ['plain', { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }],
    ['weight decay', { lr: 0.05, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.3 }],
    ['momentum', { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }],
    [
      'momentum + dampening + decay',
      { lr: 0.1, momentum: 0.8, dampening: 0.5, nesterov: false, weightDecay: 0.01 },
    ],
    ['nesterov', { lr: 0.07, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0.02 }],
  ];
  for (const [label, o] of cases) {
    it(`matches the PyTorch update over 5 steps: ${label}`, () => {
      const actual = runSteps(sgd(o.lr, o), initial, grads);
      const expected = sgdReference(o, initial, grads);
      actual.forEach((step, k) =>
        step.forEach((p, i) => expectAllClose(p, expected[k]![i]!, TIGHT, `step ${k} param ${i}`)),
      );
    });
  }

  it('takes the first momentum step without dampening (b₁ = g₁), by hand', () => {
    // θ = 1, g = 2, lr = 0.1, μ = 0.9, τ = 0.5: b₁ = 2 → θ₁ = 0.8;
    // g = 4: b₂ = 0.9·2 + 0.5·4 = 3.8 → θ₂ = 0.8 − 0.38 = 0.42.
    const h = runSteps(sgd(0.1, { momentum: 0.9, dampening: 0.5 }), [[1]], [[[2]], [[4]]]);
    expectAllClose(h[0]![0]!, [0.8], TIGHT);
    expectAllClose(h[1]![0]!, [0.42], TIGHT);
  });

  it('nesterov by hand: θ₁ = θ₀ − lr·(g + μ·g)', () => {
    const h = runSteps(sgd(0.1, { momentum: 0.5, nesterov: true }), [[1]], [[[2]]]);
    expectAllClose(h[0]![0]!, [1 - 0.1 * (2 + 0.5 * 2)], TIGHT);
  });

  it('rejects nesterov without momentum or with dampening, and negative values', () => {
    expect(() => sgd(0.1, { nesterov: true })).toThrow(/Nesterov momentum needs momentum > 0/);
    expect(() => momentum(0.9, { nesterov: true, dampening: 0.1 })).toThrow(/dampening 0/);
    expect(() => sgd(-0.1)).toThrow(/lr must be a finite number >= 0, found -0.1/);
    expect(() => sgd(0.1, { weightDecay: -1 })).toThrow(/weightDecay must be .* found -1/);
  });
});
