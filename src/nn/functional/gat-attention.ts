/**
 * The fused GAT attention as one differentiable op: per-node scores s_j, t_i (and per-edge
 * scores) → LeakyReLU → segment softmax → weighted sum of x'_j (+ the output bias, added by
 * the kernel). Keeps α [E, H] only.
 */
import { type Variable, record } from '../../autograd/variable.js';
import { kernels } from '../../kernels/backend.js';
import type { GatAttentionArgs, TargetCsr } from '../../kernels/kernels.js';
import { Tensor, allocate, allocateOverwritten } from '../../tensor/tensor.js';
import {
  type AttentionOptions,
  type AttentionResult,
  attentionBias,
  attentionBiasGradient,
} from './gatv2-attention.js';

/**
 * @param x         [numSrc, H·C] source values x'_j
 * @param scoreSrc  [numSrc, H]
 * @param scoreDst  [numDst, H]
 * @param scoreEdge [E, H] in slot order, or null
 */
export function gatAttention(
  graph: TargetCsr,
  x: Variable,
  scoreSrc: Variable,
  scoreDst: Variable,
  scoreEdge: Variable | null,
  options: AttentionOptions,
): AttentionResult {
  const { heads, channels, negativeSlope, dropScale } = options;
  const bias = attentionBias('gatAttention', options, x);
  const HC = heads * channels;
  const E = graph.src.length;
  const dtype = x.value.dtype;
  const args: GatAttentionArgs = {
    graph,
    heads,
    channels,
    x: x.data,
    scoreSrc: scoreSrc.data,
    scoreDst: scoreDst.data,
    scoreEdge: scoreEdge === null ? null : scoreEdge.data,
    negativeSlope,
    dropScale,
    bias: bias === null ? null : bias.data,
  };
  const out = allocateOverwritten(dtype, graph.numDst * HC);
  const alpha = allocateOverwritten(dtype, E * heads);
  kernels().gatAttentionForward(args, { out, alpha });

  // Inputs, and the gradients below, in the order x, scoreSrc, scoreDst (, scoreEdge) (, bias).
  const inputs = [x, scoreSrc, scoreDst];
  if (scoreEdge !== null) inputs.push(scoreEdge);
  if (bias !== null) inputs.push(bias);
  const result = record('gatAttention', new Tensor(out, [graph.numDst, HC]), inputs, (g) => {
    const gradX = allocate(dtype, x.value.size);
    const gradScoreSrc = allocate(dtype, scoreSrc.value.size);
    const gradScoreDst = allocate(dtype, scoreDst.value.size);
    const gradScoreEdge = scoreEdge === null ? null : allocate(dtype, scoreEdge.value.size);
    kernels().gatAttentionBackward(args, alpha, g.data, {
      gradX,
      gradScoreSrc,
      gradScoreDst,
      gradScoreEdge,
    });
    const grads: (Tensor | null)[] = [
      new Tensor(gradX, x.shape),
      new Tensor(gradScoreSrc, scoreSrc.shape),
      new Tensor(gradScoreDst, scoreDst.shape),
    ];
    if (scoreEdge !== null && gradScoreEdge !== null)
      grads.push(new Tensor(gradScoreEdge, scoreEdge.shape));
    if (bias !== null) grads.push(attentionBiasGradient(bias, g, graph.numDst, HC));
    return grads;
  });
  return { out: result, alpha: new Tensor(alpha, [E, heads]) };
}
