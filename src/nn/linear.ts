/**
 * Linear map y = x Wᵀ + b with W stored [out, in] (PyTorch's layout and name `weight`).
 * The input may be dense or a sparse CSR matrix: bag-of-words features stay sparse and the
 * product costs one multiply-add per non-zero and output channel (DESIGN.md §4).
 * The product, transpose and bias are one op (autograd/ops/linear.ts).
 */
import { linear } from '../autograd/ops/linear.js';
import type { Variable } from '../autograd/variable.js';
import type { Random } from '../tensor/random.js';
import { type DType, Tensor } from '../tensor/tensor.js';
import { glorot } from './init.js';
import type { LayerInput } from './layer-input.js';
import { Module } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Variable; // [out, in]
  readonly bias: Variable | null; // [out]

  constructor(inFeatures: number, outFeatures: number, rng: Random, options: LinearOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.registerParameter(
      'weight',
      glorot(Tensor.zeros([outFeatures, inFeatures], dtype), rng),
    );
    this.bias =
      (options.bias ?? true)
        ? this.registerParameter('bias', Tensor.zeros([outFeatures], dtype))
        : null;
  }

  /** [N, in] → [N, out]: one fused op (no transposed copy of W, bias in the same pass). */
  forward(x: LayerInput): Variable {
    return linear(x, this.weight, this.bias);
  }
}
