/**
 * The fused GATv2 attention as one differentiable op over the active kernels: per target,
 * scores → segment softmax → weighted sum (+ the layer's output bias, added by the kernel as
 * it stores each row), keeping only α [E, H] for backward (DESIGN.md §3).
 */
import { expectSameDtype } from '../../autograd/ops/validate.js';
import { type Variable, record } from '../../autograd/variable.js';
import { kernels } from '../../kernels/backend.js';
import type { Gatv2AttentionArgs, TargetCsr } from '../../kernels/kernels.js';
import { type FloatArray, Tensor, allocate, allocateOverwritten } from '../../tensor/tensor.js';

export interface AttentionOptions {
  readonly heads: number;
  readonly channels: number;
  readonly negativeSlope: number;
  /** [E, H] factors 0 or 1/(1−p) for attention dropout, in slot order; null: none. */
  readonly dropScale: FloatArray | null;
  /**
   * [H·C] (any shape) added to every output row; null or absent: none. Part of the kernel's
   * forward rather than a separate pass over the [numDst, H·C] output.
   */
  readonly bias?: Variable | null;
}

export interface AttentionResult {
  /** [numDst, H·C] */
  readonly out: Variable;
  /** [E, H] normalised attention in slot order (before dropout). */
  readonly alpha: Tensor;
}

/** The bias of `options`, checked against the op's width and dtype; null when absent. */
export function attentionBias(
  op: string,
  options: AttentionOptions,
  values: Variable,
): Variable | null {
  const bias = options.bias ?? null;
  if (bias === null) return null;
  const width = options.heads * options.channels;
  if (bias.value.size !== width) {
    throw new RangeError(`${op}: bias must have H·C = ${width} elements, found ${bias.value.size}`);
  }
  expectSameDtype(op, 'bias', bias, 'values', values);
  return bias;
}

/** ∂L/∂bias = column sums of g [rows, width]; null when the bias is absent or needs none. */
export function attentionBiasGradient(
  bias: Variable | null,
  g: Tensor,
  rows: number,
  width: number,
): Tensor | null {
  if (bias === null || !bias.requiresGrad) return null;
  const sums = allocate(bias.value.dtype, width); // [H·C]
  kernels().columnSums(g.data, rows, width, sums);
  return new Tensor(sums, bias.shape);
}

/**
 * @param xl   [numSrc, H·C] source projection (key and value)
 * @param xr   [numDst, H·C] target projection
 * @param edge [E, H·C] projected edge features in slot order, or null
 * @param att  H·C attention weights (any shape)
 */
export function gatv2Attention(
  graph: TargetCsr,
  xl: Variable,
  xr: Variable,
  edge: Variable | null,
  att: Variable,
  options: AttentionOptions,
): AttentionResult {
  const { heads, channels, negativeSlope, dropScale } = options;
  const bias = attentionBias('gatv2Attention', options, xl);
  const HC = heads * channels;
  const E = graph.src.length;
  const dtype = xl.value.dtype;
  const args: Gatv2AttentionArgs = {
    graph,
    heads,
    channels,
    xl: xl.data,
    xr: xr.data,
    edge: edge === null ? null : edge.data,
    att: att.data,
    negativeSlope,
    dropScale,
    bias: bias === null ? null : bias.data,
  };
  const out = allocateOverwritten(dtype, graph.numDst * HC);
  const alpha = allocateOverwritten(dtype, E * heads);
  kernels().gatv2AttentionForward(args, { out, alpha });

  // Inputs, and the gradients below, in the order xl, xr, att (, edge) (, bias).
  const inputs = [xl, xr, att];
  if (edge !== null) inputs.push(edge);
  if (bias !== null) inputs.push(bias);
  const result = record('gatv2Attention', new Tensor(out, [graph.numDst, HC]), inputs, (g) => {
    const gradXl = allocate(dtype, xl.value.size);
    const gradXr = allocate(dtype, xr.value.size);
    const gradAtt = allocate(dtype, att.value.size);
    const gradEdge = edge === null ? null : allocate(dtype, edge.value.size);
    kernels().gatv2AttentionBackward(args, alpha, g.data, { gradXl, gradXr, gradEdge, gradAtt });
    const grads: (Tensor | null)[] = [
      new Tensor(gradXl, xl.shape),
      new Tensor(gradXr, xr.shape),
      new Tensor(gradAtt, att.shape),
    ];
    if (edge !== null && gradEdge !== null) grads.push(new Tensor(gradEdge, edge.shape));
    if (bias !== null) grads.push(attentionBiasGradient(bias, g, graph.numDst, HC));
    return grads;
  });
  return { out: result, alpha: new Tensor(alpha, [E, heads]) };
}
