/**
 * Linear map y = x Wᵀ + b with W stored [out, in] (PyTorch's layout and name `weight`).
 * The input may be dense or a sparse CSR matrix: bag-of-words features stay sparse and the
 * product costs one multiply-add per non-zero and output channel (DESIGN.md §4).
 */
import { addRowVector } from '../autograd/ops/elementwise.js';
import { matmul } from '../autograd/ops/matmul.js';
import { transpose } from '../autograd/ops/shape.js';
import { spmm } from '../autograd/ops/sparse.js';
import type { Variable } from '../autograd/variable.js';
import type { Random } from '../tensor/random.js';
import { type DType, Tensor } from '../tensor/tensor.js';
import { glorot } from './init.js';
import { type LayerInput, isSparseInput } from './layer-input.js';
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

  /** [N, in] → [N, out] */
  forward(x: LayerInput): Variable {
    const y = isSparseInput(x)
      ? spmm(x, transpose(this.weight))
      : matmul(x, this.weight, { transB: true });
    return this.bias === null ? y : addRowVector(y, this.bias);
  }
}
