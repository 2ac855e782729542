/**
 * Fused GATv2 attention, reference version (DESIGN.md §1–3).
 *
 * For each target i and head h, over its incoming edges j (one CSR segment):
 *   z_ij = x^l_j + x^r_i (+ edge_ij),  e_ij = <a_h, LeakyReLU(z_ij)>,
 *   α_ij = exp(e_ij − max_k e_ik) / (Σ_k exp(e_ik − max) + 1e-16),
 *   out_i = Σ_j dropout(α_ij) x^l_j (+ bias).
 * Only α [E, H] is kept; backward recomputes z_ij, so no [E, H, C] buffer ever exists.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import type { Gatv2AttentionArgs, Gatv2BackwardOutputs, Gatv2ForwardOutputs } from '../kernels.js';

/** PyG's softmax adds this to the denominator. */
export const SOFTMAX_EPS = 1e-16;

/**
 * out[row ..] += bias for a finished output row of `width` floats: added after the sum, as
 * the layer's separate bias pass did, so that float64 results do not change.
 */
export function addBiasRow(
  out: FloatArray,
  bias: FloatArray | null | undefined,
  row: number,
  width: number,
): void {
  if (bias === null || bias === undefined) return;
  for (let k = 0; k < width; k++) out[row + k]! += bias[k]!;
}

export function gatv2AttentionForwardReference(
  args: Gatv2AttentionArgs,
  outputs: Gatv2ForwardOutputs,
): void {
  const { graph, heads: H, channels: C, xl, xr, edge, att, negativeSlope: slope } = args;
  const { dropScale, bias } = args;
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
      const hc = h * C;
      const ri = i * HC + hc;
      let max = -Infinity;
      for (let p = begin; p < end; p++) {
        const lj = src[p]! * HC + hc;
        const ep = p * HC + hc;
        let e = 0;
        for (let c = 0; c < C; c++) {
          let z = xl[lj + c]! + xr[ri + c]!;
          if (edge !== null) z += edge[ep + c]!;
          e += att[hc + c]! * (z > 0 ? z : slope * z);
        }
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
      for (let p = begin; p < end; p++) {
        const a = alpha[p * H + h]! * inv;
        alpha[p * H + h] = a;
        const w = dropScale === null ? a : a * dropScale[p * H + h]!;
        if (w === 0) continue;
        const lj = src[p]! * HC + hc;
        for (let c = 0; c < C; c++) out[ri + c]! += w * xl[lj + c]!;
      }
    }
    addBiasRow(out, bias, i * HC, HC);
  }
}

export function gatv2AttentionBackwardReference(
  args: Gatv2AttentionArgs,
  alpha: FloatArray,
  gradOut: FloatArray,
  outputs: Gatv2BackwardOutputs,
): void {
  const { graph, heads: H, channels: C, xl, xr, edge, att, negativeSlope: slope, dropScale } = args;
  const { gradXl, gradXr, gradEdge, gradAtt } = outputs;
  const { ptr, src } = graph;
  const HC = H * C;
  for (let i = 0; i < graph.numDst; i++) {
    const begin = ptr[i]!;
    const end = ptr[i + 1]!;
    for (let h = 0; h < H; h++) {
      const hc = h * C;
      const ri = i * HC + hc;
      // ∂L/∂α_ij = scale · <g_i, x^l_j>, and the softmax backward needs Σ_k α_ik ∂L/∂α_ik.
      let dot = 0;
      for (let p = begin; p < end; p++) {
        const lj = src[p]! * HC + hc;
        let gA = 0;
        for (let c = 0; c < C; c++) gA += gradOut[ri + c]! * xl[lj + c]!;
        const scale = dropScale === null ? 1 : dropScale[p * H + h]!;
        dot += alpha[p * H + h]! * scale * gA;
      }
      for (let p = begin; p < end; p++) {
        const j = src[p]!;
        const lj = j * HC + hc;
        const ep = p * HC + hc;
        const a = alpha[p * H + h]!;
        const scale = dropScale === null ? 1 : dropScale[p * H + h]!;
        let gA = 0;
        for (let c = 0; c < C; c++) gA += gradOut[ri + c]! * xl[lj + c]!;
        const gE = a * (scale * gA - dot);
        const value = a * scale;
        for (let c = 0; c < C; c++) {
          let z = xl[lj + c]! + xr[ri + c]!;
          if (edge !== null) z += edge[ep + c]!;
          const positive = z > 0;
          gradAtt[hc + c]! += gE * (positive ? z : slope * z);
          const gZ = gE * att[hc + c]! * (positive ? 1 : slope);
          gradXl[lj + c]! += gZ + value * gradOut[ri + c]!;
          gradXr[ri + c]! += gZ;
          if (gradEdge !== null) gradEdge[ep + c]! += gZ;
        }
      }
    }
  }
}
