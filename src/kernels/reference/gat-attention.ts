/**
 * Fused GAT attention, reference version (DESIGN.md §1–2).
 *
 * The scores are per node (s_j = <a_src, x'_j>, t_i = <a_dst, x'_i>), so per edge only
 *   e_ij = LeakyReLU(s_j + t_i (+ edge score)),  α = segment softmax,
 *   out_i = Σ_j dropout(α_ij) x'_j (+ bias)
 * remains; backward needs α [E, H] and the scores, nothing of size [E, H, C].
 */
import type { FloatArray } from '../../tensor/tensor.js';
import type { GatAttentionArgs, GatBackwardOutputs, GatForwardOutputs } from '../kernels.js';
import { SOFTMAX_EPS, addBiasRow } from './gatv2-attention.js';

export function gatAttentionForwardReference(
  args: GatAttentionArgs,
  outputs: GatForwardOutputs,
): void {
  const {
    graph,
    heads: H,
    channels: C,
    x,
    scoreSrc,
    scoreDst,
    scoreEdge,
    negativeSlope: slope,
    dropScale,
    bias,
  } = args;
  const { out, alpha } = outputs;
  const { ptr, src } = graph;
  const HC = H * C;
  out.fill(0, 0, graph.numDst * HC);
  for (let i = 0; i < graph.numDst; i++) {
    const begin = ptr[i]!;
    const end = ptr[i + 1]!;
    if (begin === end) {
      addBiasRow(out, bias, i * HC, HC); // no in-edges: the row is the bias alone
      continue;
    }
    for (let h = 0; h < H; h++) {
      const t = scoreDst[i * H + h]!;
      let max = -Infinity;
      for (let p = begin; p < end; p++) {
        let v = scoreSrc[src[p]! * H + h]! + t;
        if (scoreEdge !== null) v += scoreEdge[p * H + h]!;
        const e = v > 0 ? v : slope * v;
        alpha[p * H + h] = e;
        if (e > max) max = e;
      }
      let sum = 0;
      for (let p = begin; p < end; p++) {
        const w = Math.exp(alpha[p * H + h]! - max);
        alpha[p * H + h] = w;
        sum += w;
      }
      const inv = 1 / (sum + SOFTMAX_EPS);
      const oi = i * HC + h * C;
      for (let p = begin; p < end; p++) {
        const a = alpha[p * H + h]! * inv;
        alpha[p * H + h] = a;
        const w = dropScale === null ? a : a * dropScale[p * H + h]!;
        if (w === 0) continue;
        const xj = src[p]! * HC + h * C;
        for (let c = 0; c < C; c++) out[oi + c]! += w * x[xj + c]!;
      }
    }
    addBiasRow(out, bias, i * HC, HC);
  }
}

export function gatAttentionBackwardReference(
  args: GatAttentionArgs,
  alpha: FloatArray,
  gradOut: FloatArray,
  outputs: GatBackwardOutputs,
): void {
  const {
    graph,
    heads: H,
    channels: C,
    x,
    scoreSrc,
    scoreDst,
    scoreEdge,
    negativeSlope: slope,
    dropScale,
  } = args;
  const { gradX, gradScoreSrc, gradScoreDst, gradScoreEdge } = outputs;
  const { ptr, src } = graph;
  const HC = H * C;
  for (let i = 0; i < graph.numDst; i++) {
    const begin = ptr[i]!;
    const end = ptr[i + 1]!;
    for (let h = 0; h < H; h++) {
      const oi = i * HC + h * C;
      let dot = 0;
      for (let p = begin; p < end; p++) {
        const xj = src[p]! * HC + h * C;
        let gA = 0;
        for (let c = 0; c < C; c++) gA += gradOut[oi + c]! * x[xj + c]!;
        const scale = dropScale === null ? 1 : dropScale[p * H + h]!;
        dot += alpha[p * H + h]! * scale * gA;
      }
      const t = scoreDst[i * H + h]!;
      for (let p = begin; p < end; p++) {
        const j = src[p]!;
        const xj = j * HC + h * C;
        const a = alpha[p * H + h]!;
        const scale = dropScale === null ? 1 : dropScale[p * H + h]!;
        let gA = 0;
        for (let c = 0; c < C; c++) gA += gradOut[oi + c]! * x[xj + c]!;
        let v = scoreSrc[j * H + h]! + t;
        if (scoreEdge !== null) v += scoreEdge[p * H + h]!;
        const gV = a * (scale * gA - dot) * (v > 0 ? 1 : slope);
        gradScoreSrc[j * H + h]! += gV;
        gradScoreDst[i * H + h]! += gV;
        if (gradScoreEdge !== null) gradScoreEdge[p * H + h]! += gV;
        const value = a * scale;
        if (value !== 0) for (let c = 0; c < C; c++) gradX[xj + c]! += value * gradOut[oi + c]!;
      }
    }
  }
}
