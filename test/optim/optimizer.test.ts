import { describe, expect, it } from 'vitest';
import { constant, parameter } from '../../src/autograd/variable.js';
import { ReduceLROnPlateau } from '../../src/optim/learning-rate.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { adam, sgd } from '../../src/optim/optimizers.js';
import { applyUpdates, chain } from '../../src/optim/transform.js';
import { addDecayedWeights, scaleByAdam, scaleByLearningRate } from '../../src/optim/transforms.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { params64, runSteps } from './run-transform.js';

const TIGHT = { atol: 1e-14, rtol: 1e-12 };
const t64 = (v: number[]): Tensor => Tensor.from(v, [v.length], 'float64');

describe('learning-rate hook', () => {
  it('calls a schedule with the number of updates done so far', () => {
    const seen: number[] = [];
    const schedule = (step: number): number => {
      seen.push(step);
      return 0.1 / (step + 1);
    };
    const h = runSteps(sgd(schedule), [[1]], [[[1]], [[1]], [[1]]]);
    expect(seen).toEqual([0, 1, 2]);
    expectAllClose(h[2]![0]!, [1 - 0.1 - 0.05 - 0.1 / 3], TIGHT);
  });

  it('reads an object’s lr on every step, so a plateau scheduler can drive adam', () => {
    const plateau = new ReduceLROnPlateau(0.1, { patience: 0, factor: 0.5 });
    const transform = adam(plateau);
    const params = params64([[1]]);
    const state = transform.init([params[0]!.value]);
    const stepOnce = (): number => {
      const before = params[0]!.value.data[0]!;
      applyUpdates(params, transform.update([t64([2])], state, [params[0]!.value]).updates);
      return before - params[0]!.value.data[0]!;
    };
    const first = stepOnce(); // constant gradient: Adam's step is lr·(1 − tiny)
    plateau.step(1);
    plateau.step(1); // bad epoch → lr 0.05
    const second = stepOnce();
    expect(first).toBeCloseTo(0.1, 6);
    expect(second).toBeCloseTo(0.05, 6);
  });

  it('rejects a schedule that returns a negative or non-finite rate', () => {
    expect(() =>
      runSteps(
        sgd(() => NaN),
        [[1]],
        [[[1]]],
      ),
    ).toThrow(/learning rate must be a finite number >= 0, found NaN at step 0/);
  });
});

describe('chain and buffers', () => {
  it('composes primitives into Adam exactly like adam()', () => {
    const grads = [[[1, -2]], [[0.5, 3]], [[-1, 1]]];
    const composed = chain(addDecayedWeights(0.1), scaleByAdam(), scaleByLearningRate(0.01));
    expect(runSteps(composed, [[1, 2]], grads)).toEqual(
      runSteps(adam(0.01, { weightDecay: 0.1 }), [[1, 2]], grads),
    );
  });

  it('reuses its output buffers: the same update tensors come back every step', () => {
    const transform = adam(0.01);
    const params = [t64([1, 2])];
    const state = transform.init(params);
    const first = transform.update([t64([1, 1])], state, params).updates[0];
    const second = transform.update([t64([2, 2])], state, params).updates[0];
    expect(second).toBe(first);
  });

  it('skips null gradients: no update and no state change for that parameter', () => {
    // Parameter 1 sits out step 1, so its first Adam step (at step 2) has t = 1.
    const h = runSteps(
      adam(0.1),
      [[1], [1]],
      [
        [[2], null],
        [[2], [2]],
      ],
    );
    expect(h[0]![1]).toEqual([1]);
    expectAllClose(h[1]![1]!, [1 - (0.1 * 2) / (2 + 1e-8)], TIGHT);
  });

  it('names the transform when gradients do not match the parameters', () => {
    const transform = adam(0.01);
    const params = [t64([1, 2])];
    const state = transform.init(params);
    expect(() => transform.update([t64([1, 2, 3])], state, params)).toThrow(
      /gradient 0 has shape \[3\], its parameter has shape \[2\]/,
    );
    expect(() => transform.update([], state, params)).toThrow(/expected 1 gradients .* found 0/);
  });
});

describe('Optimizer', () => {
  it('steps float32 parameters from their .grad, skipping null grads; zeroGrad clears', () => {
    const a = parameter(Tensor.from([1, 2], [2]));
    const b = parameter(Tensor.from([5], [1]));
    const opt = new Optimizer([a, b], sgd(0.5));
    a.grad = Tensor.from([1, -1], [2]);
    opt.step();
    expect(Array.from(a.value.data)).toEqual([0.5, 2.5]);
    expect(Array.from(b.value.data)).toEqual([5]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('minimises a quadratic with adam', () => {
    const target = [3, -2, 0.5];
    const x = parameter(Tensor.zeros([3], 'float64'));
    const opt = new Optimizer([x], adam(0.1));
    for (let epoch = 0; epoch < 500; epoch++) {
      opt.zeroGrad();
      x.grad = Tensor.from(
        target.map((t, j) => 2 * (x.value.data[j]! - t)),
        [3],
        'float64',
      );
      opt.step();
    }
    expectAllClose(x.value.data, target, { atol: 1e-3, rtol: 0 });
  });

  it('rejects a parameter that does not require a gradient', () => {
    expect(() => new Optimizer([parameter(t64([1])), constant(t64([2]))], sgd(0.1))).toThrow(
      'Optimizer: parameter 1 does not require a gradient',
    );
  });
});
