/** Feature-matrix helpers that keep CSR sparse. */
import type { CsrMatrix } from '../kernels/kernels.js';

/**
 * Divides each row by its sum, as PyG's NormalizeFeatures: rows that sum to 0 stay 0.
 * Returns a new matrix sharing `rowPtr` and `colIdx` with the input.
 */
export function normalizeRows(m: CsrMatrix): CsrMatrix {
  const values = m.values.slice();
  for (let r = 0; r < m.rows; r++) {
    const start = m.rowPtr[r]!;
    const end = m.rowPtr[r + 1]!;
    let sum = 0;
    for (let p = start; p < end; p++) sum += values[p]!;
    if (sum === 0) continue;
    for (let p = start; p < end; p++) values[p] = values[p]! / sum;
  }
  return { rows: m.rows, cols: m.cols, rowPtr: m.rowPtr, colIdx: m.colIdx, values };
}

/** The identity matrix [n, n] as CSR (one-hot node ids). */
export function identityCsr(n: number): CsrMatrix {
  const rowPtr = new Int32Array(n + 1);
  const colIdx = new Int32Array(n);
  const values = new Float32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    rowPtr[i + 1] = i + 1;
    colIdx[i] = i;
  }
  return { rows: n, cols: n, rowPtr, colIdx, values };
}

/** Sum of row r of a CSR matrix. */
export function csrRowSum(m: CsrMatrix, r: number): number {
  let sum = 0;
  for (let p = m.rowPtr[r]!; p < m.rowPtr[r + 1]!; p++) sum += m.values[p]!;
  return sum;
}
