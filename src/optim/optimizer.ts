/**
 * A gradient transformation bound to a list of parameter Variables, for training loops
 * written the PyTorch way: `zeroGrad()`, forward, `backward(loss)`, `step()`.
 */
import type { Variable } from '../autograd/variable.js';
import type { Tensor } from '../tensor/tensor.js';
import { applyUpdates, isInPlace, type GradientTransformation } from './transform.js';

export class Optimizer<S = unknown> {
  readonly params: readonly Variable[];
  readonly transform: GradientTransformation<S>;
  /** The transform's state (moments, step counts): updated in place by `step()`. */
  state: S;
  // Reused on every step so a step allocates nothing per parameter.
  private readonly grads: (Tensor | null)[];
  private readonly values: Tensor[];

  constructor(params: readonly Variable[], transform: GradientTransformation<S>) {
    params.forEach((p, i) => {
      if (!p.requiresGrad) {
        throw new Error(
          `Optimizer: parameter ${i} does not require a gradient (create it with parameter())`,
        );
      }
    });
    this.params = [...params];
    this.transform = transform;
    this.values = params.map((p) => p.value);
    this.grads = params.map(() => null);
    this.state = transform.init(this.values);
  }

  /** One update from each parameter's `.grad`; parameters whose grad is null are skipped. */
  step(): void {
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i]!;
      this.values[i] = p.value;
      this.grads[i] = p.grad;
    }
    if (isInPlace(this.transform)) {
      // One pass per parameter: the update is added to θ where it is computed.
      this.state = this.transform.applyInPlace(this.grads, this.state, this.values);
      return;
    }
    const { updates, state } = this.transform.update(this.grads, this.state, this.values);
    this.state = state;
    applyUpdates(this.params, updates);
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }
}
