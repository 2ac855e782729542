/** Sparse (constant CSR) × dense products: bag-of-words features times a weight matrix. */
import { kernels } from '../../kernels/backend.js';
import type { CsrMatrix } from '../../kernels/kernels.js';
import { Tensor, allocate, formatShape } from '../../tensor/tensor.js';
import { type Variable, record } from '../variable.js';
import { expect2d } from './validate.js';

/** A · B for a constant sparse A [rows, cols] and B [cols, n] → [rows, n]; dB = Aᵀ G. */
export function spmm(a: CsrMatrix, b: Variable): Variable {
  const [bRows, n] = expect2d('spmm', 'b', b);
  if (bRows !== a.cols) {
    throw new RangeError(
      `spmm: b must have ${a.cols} rows (the columns of a), found shape ${formatShape(b.shape)}`,
    );
  }
  checkCsr('spmm', a);
  const dtype = b.value.dtype;
  const out = allocate(dtype, a.rows * n); // [rows, n]
  kernels().spmm(a, b.data, n, out, false);
  return record('spmm', new Tensor(out, [a.rows, n]), [b], (g) => {
    const db = allocate(dtype, a.cols * n); // [cols, n]
    kernels().spmmTransposed(a, g.data, n, db, false);
    return [new Tensor(db, [a.cols, n])];
  });
}

/**
 * Index arrays already checked, with the shape they were checked for, so the O(rows + nnz)
 * scan runs once per matrix, not per product; a CSR derived from a checked one by a kernel
 * (sparse input dropout, every epoch) is registered by `markCsrChecked`. Index arrays
 * changed in place after a check are not seen (in WebAssembly an out-of-range index reads
 * the kernel's own sandboxed memory, never the host's).
 */
const checked = new WeakMap<Int32Array, { rowPtr: Int32Array; rows: number; cols: number }>();

/**
 * Records `a` as checked, for a CSR made from a checked one by a kernel that keeps it well
 * formed (a subset of its entries, row offsets from 0 to the count kept).
 */
export function markCsrChecked(a: CsrMatrix): void {
  checked.set(a.colIdx, { rowPtr: a.rowPtr, rows: a.rows, cols: a.cols });
}

/**
 * A malformed CSR would make the kernels read out of bounds (NaN in JS, other memory in
 * WebAssembly), so it is checked here once per matrix: O(rows + nnz), far below the
 * product's O(nnz · n).
 */
export function checkCsr(op: string, a: CsrMatrix): void {
  const { rows, cols, rowPtr, colIdx, values } = a;
  const nnz = colIdx.length;
  if (values.length !== nnz) {
    throw new RangeError(
      `${op}: a.values must have ${nnz} entries (as colIdx), found ${values.length}`,
    );
  }
  const seen = checked.get(colIdx);
  if (seen !== undefined && seen.rowPtr === rowPtr && seen.rows === rows && seen.cols === cols) {
    return;
  }
  if (rowPtr.length !== rows + 1 || rowPtr[0] !== 0 || rowPtr[rows] !== nnz) {
    throw new RangeError(
      `${op}: a.rowPtr must have ${rows + 1} entries from 0 to nnz = ${nnz}, found ${rowPtr.length} entries from ${rowPtr[0]} to ${rowPtr[rowPtr.length - 1]}`,
    );
  }
  for (let r = 0; r < rows; r++) {
    if (rowPtr[r + 1]! < rowPtr[r]!) {
      throw new RangeError(
        `${op}: a.rowPtr must not decrease, found ${rowPtr[r]} then ${rowPtr[r + 1]} at row ${r}`,
      );
    }
  }
  for (let q = 0; q < nnz; q++) {
    const c = colIdx[q]!;
    if (c < 0 || c >= cols) {
      throw new RangeError(
        `${op}: a.colIdx[${q}] is ${c}, expected an integer in [0, ${cols}) (the columns of a)`,
      );
    }
  }
  checked.set(colIdx, { rowPtr, rows, cols });
}
