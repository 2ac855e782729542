/**
 * The fused GATv2 attention as one differentiable op over the active kernels: per target,
 * scores → segment softmax → weighted sum, keeping only α [E, H] for backward (DESIGN.md §3).
 */
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
}

export interface AttentionResult {
  /** [numDst, H·C] */
  readonly out: Variable;
  /** [E, H] normalised attention in slot order (before dropout). */
  readonly alpha: Tensor;
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
  };
  const out = allocateOverwritten(dtype, graph.numDst * HC);
  const alpha = allocateOverwritten(dtype, E * heads);
  kernels().gatv2AttentionForward(args, { out, alpha });

  const inputs = edge === null ? [xl, xr, att] : [xl, xr, att, edge];
  const result = record('gatv2Attention', new Tensor(out, [graph.numDst, HC]), inputs, (g) => {
    const gradXl = allocate(dtype, xl.value.size);
    const gradXr = allocate(dtype, xr.value.size);
    const gradAtt = allocate(dtype, att.value.size);
    const gradEdge = edge === null ? null : allocate(dtype, edge.value.size);
    kernels().gatv2AttentionBackward(args, alpha, g.data, { gradXl, gradXr, gradEdge, gradAtt });
    const grads = [
      new Tensor(gradXl, xl.shape),
      new Tensor(gradXr, xr.shape),
      new Tensor(gradAtt, att.shape),
    ];
    if (edge !== null && gradEdge !== null) grads.push(new Tensor(gradEdge, edge.shape));
    return grads;
  });
  return { out: result, alpha: new Tensor(alpha, [E, heads]) };
}
