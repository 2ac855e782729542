/** x Wᵀ + b for sparse x and W stored [out, in], with its parameter gradients: reference. */
import type { FloatArray } from '../../tensor/tensor.js';
import type { CsrMatrix, SparseProjection } from '../kernels.js';

/** out[r, o] = bias[o] + Σ_q A[r, c_q] · W[o, c_q] */
export function sparseLinearReference(
  a: CsrMatrix,
  weight: FloatArray,
  outFeatures: number,
  bias: FloatArray | null,
  out: FloatArray,
): void {
  const { rows, cols: F, rowPtr, colIdx, values } = a;
  const O = outFeatures;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < O; o++) out[r * O + o] = bias === null ? 0 : bias[o]!;
    for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++) {
      const v = values[q]!;
      const c = colIdx[q]!;
      for (let o = 0; o < O; o++) out[r * O + o]! += v * weight[o * F + c]!;
    }
  }
}

/** Each projection as sparseLinearReference computes it. */
export function sparseLinearManyReference(
  a: CsrMatrix,
  projections: readonly SparseProjection[],
): void {
  for (const p of projections) sparseLinearReference(a, p.weight, p.outFeatures, p.bias, p.out);
}

/** gradWeight[o, c] = Σ_r G[r, o] · A[r, c];  gradBias[o] = Σ_r G[r, o] */
export function sparseLinearBackwardReference(
  a: CsrMatrix,
  gradOut: FloatArray,
  outFeatures: number,
  gradWeight: FloatArray | null,
  gradBias: FloatArray | null,
): void {
  const { rows, cols: F, rowPtr, colIdx, values } = a;
  const O = outFeatures;
  gradWeight?.fill(0, 0, O * F);
  gradBias?.fill(0, 0, O);
  for (let r = 0; r < rows; r++) {
    if (gradBias !== null) for (let o = 0; o < O; o++) gradBias[o]! += gradOut[r * O + o]!;
    if (gradWeight === null) continue;
    for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++) {
      const v = values[q]!;
      const c = colIdx[q]!;
      for (let o = 0; o < O; o++) gradWeight[o * F + c]! += v * gradOut[r * O + o]!;
    }
  }
}
