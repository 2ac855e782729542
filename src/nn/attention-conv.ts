/**
 * What GATConv and GATv2Conv share around their attention: options, the layer's generator,
 * input checks and graph preparation, the attention-dropout draw, and the output stage
 * (concatenate or average heads, add the residual, add the bias). Each layer supplies its
 * projections and its attention op, which adds the bias itself when it can (fusedBias).
 */
import { dropoutScale } from '../autograd/ops/dropout.js';
import { add, addRowVector } from '../autograd/ops/elementwise.js';
import { headMean } from '../autograd/ops/heads.js';
import type { Variable } from '../autograd/variable.js';
import type { EdgeIndexInput } from '../graph/edge-index.js';
import { Random } from '../tensor/random.js';
import { type DType, type FloatArray, Tensor } from '../tensor/tensor.js';
import type {
  AttentionLayerOptions,
  ForwardOptions,
  ResolvedOptions,
} from './attention-options.js';
import { edgeFeaturesBySlot } from './edge-features.js';
import { type LayerInput, type LayerInputs, checkLayerInputs, inputRows } from './layer-input.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import {
  type AttentionOutput,
  type PreparedGraph,
  attentionOutput,
  prepareGraph,
} from './prepared-graph.js';

/** Everything a layer's attention needs for one call. */
export interface AttentionCall {
  readonly xSrc: LayerInput;
  readonly xDst: LayerInput;
  readonly bipartite: boolean;
  readonly prepared: PreparedGraph;
  /** [E', edgeDim] edge features in slot order, or null. */
  readonly edgeFeatures: Variable | null;
  readonly rng: Random;
}

export abstract class AttentionConv extends Module {
  abstract readonly options: ResolvedOptions;
  /** Generator for initialisation, then attention dropout. */
  protected readonly rng: Random;
  res: Linear | null = null;
  bias: Variable | null = null;

  protected constructor(options: AttentionLayerOptions) {
    super();
    this.rng = new Random(options.seed ?? 0);
  }

  /** Registers res and bias last, where PyG has them. */
  protected registerOutputStage(o: ResolvedOptions, init: Random): void {
    if (o.residual) {
      this.res = this.registerModule(
        'res',
        new Linear(o.inDst, o.outWidth, init, { bias: false, dtype: o.dtype }),
      );
    }
    if (o.bias) this.bias = this.registerParameter('bias', Tensor.zeros([o.outWidth], o.dtype));
  }

  forward(x: LayerInputs, edgeIndex: EdgeIndexInput, options: ForwardOptions = {}): Variable {
    return this.forwardWithAttention(x, edgeIndex, options).out;
  }

  abstract forwardWithAttention(
    x: LayerInputs,
    edgeIndex: EdgeIndexInput,
    options?: ForwardOptions,
  ): AttentionOutput;

  protected begin(
    layer: string,
    x: LayerInputs,
    edgeIndex: EdgeIndexInput,
    options: ForwardOptions,
  ): AttentionCall {
    const o = this.options;
    const { xSrc, xDst, bipartite } = checkLayerInputs(
      layer,
      x,
      o.inSrc,
      o.inDst,
      options.validate ?? true,
    );
    const prepared = prepareGraph(edgeIndex, inputRows(xSrc), inputRows(xDst), o.addSelfLoops);
    const edgeFeatures = edgeFeaturesBySlot(layer, prepared, options.edgeAttr, o);
    return { xSrc, xDst, bipartite, prepared, edgeFeatures, rng: options.rng ?? this.rng };
  }

  /** [E', H] attention-dropout factors in training mode, else null. */
  protected attentionDropout(call: AttentionCall, dtype: DType): FloatArray | null {
    const o = this.options;
    if (!this.training || o.dropout === 0) return null;
    return dropoutScale(call.prepared.graph.src.length * o.heads, o.dropout, call.rng, dtype);
  }

  /**
   * The bias for the attention op to add as it stores each output row, which saves a pass
   * over the [N_dst, H·C] output: when the heads are concatenated, or there is one, the bias
   * applies to the attention's output as it is. Averaged heads (null here) take it after the
   * mean, in finish.
   */
  protected fusedBias(): Variable | null {
    const o = this.options;
    return o.concat || o.heads === 1 ? this.bias : null;
  }

  /**
   * Heads concatenated or averaged, then + residual + bias (the bias already in `attended`
   * when fusedBias gave it to the attention op; the residual then comes after it, which only
   * changes the rounding).
   */
  protected finish(call: AttentionCall, attended: Variable, alphaBySlot: Tensor): AttentionOutput {
    const o = this.options;
    let out = o.concat ? attended : headMean(attended, o.heads);
    if (this.res !== null) out = add(out, this.res.forward(call.xDst));
    if (this.bias !== null && this.fusedBias() === null) out = addRowVector(out, this.bias);
    return attentionOutput(out, call.prepared, alphaBySlot);
  }
}
