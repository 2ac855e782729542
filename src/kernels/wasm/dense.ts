/**
 * GEMM and CSR × dense products on the WebAssembly kernels: float32 only (float64 goes to
 * the reference), inputs copied into the arena, outputs copied back. Rows are processed in
 * chunks so that only the operand every row needs (B, or the transposed product's output)
 * has to fit in WebAssembly memory at once.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import type { CsrMatrix, GemmArgs } from '../kernels.js';
import { gemmReference } from '../reference/gemm.js';
import { spmmReference, spmmTransposedReference } from '../reference/spmm.js';
import { largestRange, planRanges, type WasmArena } from './arena.js';
import type { WasmExports } from './loader.js';

export function createGemm(wasm: WasmExports, arena: WasmArena): (args: GemmArgs) => void {
  const packABytes = wasm.gemmPackABytes();
  const packBBytes = wasm.gemmPackBBytes();
  return (args) => {
    const { transA, transB, m, n, k, a, b, out, accumulate } = args;
    if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
      gemmReference(args);
      return;
    }
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) out.fill(0, 0, m * n);
      return;
    }
    if (gemmInPlace(wasm, arena, args, a, b, out, packABytes, packBBytes)) return;
    if (transA && !transB && gemmOverK(wasm, arena, args, a, b, out, packABytes, packBBytes)) {
      return;
    }
    // B stays resident; rows of op(A) and of out stream through in chunks.
    const fixedBytes = k * n * 4 + packABytes + packBBytes + 64;
    const rowBytes = (k + n) * 4;
    if (fixedBytes + rowBytes > arena.capacity) {
      // Too large for one 32-bit memory even one row at a time: the reference handles it.
      gemmReference(args);
      return;
    }
    const rowsPerChunk = Math.max(
      1,
      Math.min(m, Math.floor(Math.min(arena.chunkBytes, arena.capacity - fixedBytes) / rowBytes)),
    );
    arena.reset();
    const bOff = arena.alloc(k * n * 4);
    const packA = arena.alloc(packABytes);
    const packB = arena.alloc(packBBytes);
    const aOff = arena.alloc(rowsPerChunk * k * 4);
    const cOff = arena.alloc(rowsPerChunk * n * 4);
    const heap = arena.f32;
    heap.set(b.subarray(0, k * n), bOff >> 2);
    for (let i0 = 0; i0 < m; i0 += rowsPerChunk) {
      const mb = Math.min(rowsPerChunk, m - i0);
      let lda = k;
      if (!transA) {
        heap.set(a.subarray(i0 * k, (i0 + mb) * k), aOff >> 2);
      } else if (mb === m) {
        heap.set(a.subarray(0, k * m), aOff >> 2);
        lda = m;
      } else {
        // A is stored [k, m]: gather columns i0 .. i0+mb into a compact [k, mb] block.
        for (let p = 0; p < k; p++) {
          heap.set(a.subarray(p * m + i0, p * m + i0 + mb), (aOff >> 2) + p * mb);
        }
        lda = mb;
      }
      if (accumulate) heap.set(out.subarray(i0 * n, (i0 + mb) * n), cOff >> 2);
      wasm.gemm(
        transA,
        transB,
        mb,
        n,
        k,
        aOff,
        lda,
        bOff,
        transB ? k : n,
        cOff,
        accumulate,
        packA,
        packB,
      );
      out.set(heap.subarray(cOff >> 2, (cOff >> 2) + mb * n), i0 * n);
    }
  };
}

/**
 * out (+)= Aᵀ · B for A stored [k, m] and B [k, n] (a weight gradient, Gᵀ X, whose k is the
 * number of nodes), in chunks of k: out [m, n] stays in the arena and each chunk's rows of A
 * and B are copied in whole and added to it. Returns false, having done nothing, when the
 * operands fit in one chunk anyway (the caller's path copies them whole) or out does not fit.
 * Chunking over rows of out instead would gather A's columns a few floats at a time: on
 * 1M nodes, Gᵀ X [64 × 128] took 1.1 s that way, 2.2× the time of the other products.
 */
function gemmOverK(
  wasm: WasmExports,
  arena: WasmArena,
  args: GemmArgs,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  packABytes: number,
  packBBytes: number,
): boolean {
  const { m, n, k, accumulate } = args;
  const fixedBytes = m * n * 4 + packABytes + packBBytes + 64;
  const rowBytes = (m + n) * 4;
  const budget = Math.min(arena.chunkBytes, arena.capacity - fixedBytes);
  if (budget < rowBytes || k * rowBytes <= budget) return false;
  const rowsPerChunk = Math.floor(budget / rowBytes);
  arena.reset();
  const packA = arena.alloc(packABytes);
  const packB = arena.alloc(packBBytes);
  const cOff = arena.alloc(m * n * 4);
  const aOff = arena.alloc(rowsPerChunk * m * 4);
  const bOff = arena.alloc(rowsPerChunk * n * 4);
  const heap = arena.f32;
  if (accumulate) heap.set(out.subarray(0, m * n), cOff >> 2);
  for (let p0 = 0; p0 < k; p0 += rowsPerChunk) {
    const kb = Math.min(rowsPerChunk, k - p0);
    heap.set(a.subarray(p0 * m, (p0 + kb) * m), aOff >> 2);
    heap.set(b.subarray(p0 * n, (p0 + kb) * n), bOff >> 2);
    wasm.gemm(true, false, m, n, kb, aOff, m, bOff, n, cOff, accumulate || p0 > 0, packA, packB);
  }
  out.set(heap.subarray(cOff >> 2, (cOff >> 2) + m * n));
  return true;
}

/** Operands copied whole next to a resident one may take up to this much of the arena. */
const STAGE_BYTES = 64 * 1024 * 1024;

/**
 * One call over the whole product when at least one operand already lives in WebAssembly
 * memory (pooled storage) and the others fit in the arena next to it: those are copied in
 * (out only when accumulating) and out is copied back unless it is in place. Returns false,
 * having done nothing, otherwise.
 */
function gemmInPlace(
  wasm: WasmExports,
  arena: WasmArena,
  args: GemmArgs,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  packABytes: number,
  packBBytes: number,
): boolean {
  const { transA, transB, m, n, k, accumulate } = args;
  const aIn = arena.residentOffsets(a);
  const bIn = arena.residentOffsets(b);
  const outIn = arena.residentOffsets(out);
  if (aIn === null && bIn === null && outIn === null) return false;
  const stagedBytes =
    (aIn === null ? m * k * 4 + 16 : 0) +
    (bIn === null ? k * n * 4 + 16 : 0) +
    (outIn === null ? m * n * 4 + 16 : 0) +
    packABytes +
    packBBytes +
    64;
  if (stagedBytes > Math.min(arena.capacity, Math.max(arena.chunkBytes, STAGE_BYTES))) return false;
  arena.reset();
  const packA = arena.alloc(packABytes);
  const packB = arena.alloc(packBBytes);
  const aOff = aIn?.[0] ?? arena.stage(a, m * k);
  const bOff = bIn?.[0] ?? arena.stage(b, k * n);
  let cOff = outIn?.[0];
  if (cOff === undefined) cOff = accumulate ? arena.stage(out, m * n) : arena.alloc(m * n * 4);
  wasm.gemm(
    transA,
    transB,
    m,
    n,
    k,
    aOff,
    transA ? m : k,
    bOff,
    transB ? k : n,
    cOff,
    accumulate,
    packA,
    packB,
  );
  if (outIn === null) arena.unstage(cOff, out, m * n);
  return true;
}

type Spmm = (a: CsrMatrix, b: FloatArray, n: number, out: FloatArray, accumulate: boolean) => void;

export function createSpmm(wasm: WasmExports, arena: WasmArena): Spmm {
  return (a, b, n, out, accumulate) => {
    const { rows, cols, rowPtr, colIdx, values } = a;
    if (!(
      values instanceof Float32Array &&
      b instanceof Float32Array &&
      out instanceof Float32Array
    )) {
      spmmReference(a, b, n, out, accumulate);
      return;
    }
    if (rows === 0 || n === 0) return;
    // B [cols, n] stays resident; row ranges of A (and of out) stream through.
    const fixedBytes = cols * n * 4 + 64;
    if (fixedBytes + 8 + n * 4 + maxRowEntries(rowPtr, rows) * 8 > arena.capacity) {
      // One row of A does not fit next to B in a 32-bit memory: the reference handles it.
      spmmReference(a, b, n, out, accumulate);
      return;
    }
    const budget = Math.min(arena.chunkBytes, arena.capacity - fixedBytes);
    const bounds = planRanges(rows, rowPtr, 4 + n * 4, 8, budget);
    const [maxRows, maxEntries] = largestRange(bounds, rowPtr);
    arena.reset();
    const bOff = arena.alloc(cols * n * 4);
    const ptrOff = arena.alloc((maxRows + 1) * 4);
    const idxOff = arena.alloc(maxEntries * 4);
    const valOff = arena.alloc(maxEntries * 4);
    const outOff = arena.alloc(maxRows * n * 4);
    const heap = arena.f32;
    const heapI32 = arena.i32;
    heap.set(b.subarray(0, cols * n), bOff >> 2);
    for (let r = 0; r + 1 < bounds.length; r++) {
      const r0 = bounds[r]!;
      const r1 = bounds[r + 1]!;
      const q0 = rowPtr[r0]!;
      const q1 = rowPtr[r1]!;
      heapI32.set(rowPtr.subarray(r0, r1 + 1), ptrOff >> 2);
      heapI32.set(colIdx.subarray(q0, q1), idxOff >> 2);
      heap.set(values.subarray(q0, q1), valOff >> 2);
      if (accumulate) heap.set(out.subarray(r0 * n, r1 * n), outOff >> 2);
      wasm.spmm(r1 - r0, n, ptrOff, idxOff, valOff, bOff, outOff, accumulate);
      out.set(heap.subarray(outOff >> 2, (outOff >> 2) + (r1 - r0) * n), r0 * n);
    }
  };
}

export function createSpmmTransposed(wasm: WasmExports, arena: WasmArena): Spmm {
  return (a, b, n, out, accumulate) => {
    const { rows, cols, rowPtr, colIdx, values } = a;
    if (!(
      values instanceof Float32Array &&
      b instanceof Float32Array &&
      out instanceof Float32Array
    )) {
      spmmTransposedReference(a, b, n, out, accumulate);
      return;
    }
    if (cols === 0 || n === 0) return;
    // out [cols, n] stays resident (rows of A scatter into it); rows of A and B stream through.
    const fixedBytes = cols * n * 4 + 64;
    if (fixedBytes + 8 + n * 4 + maxRowEntries(rowPtr, rows) * 8 > arena.capacity) {
      spmmTransposedReference(a, b, n, out, accumulate);
      return;
    }
    const budget = Math.min(arena.chunkBytes, arena.capacity - fixedBytes);
    const bounds = planRanges(rows, rowPtr, 4 + n * 4, 8, budget);
    const [maxRows, maxEntries] = largestRange(bounds, rowPtr);
    arena.reset();
    const outOff = arena.alloc(cols * n * 4);
    const ptrOff = arena.alloc((maxRows + 1) * 4);
    const idxOff = arena.alloc(maxEntries * 4);
    const valOff = arena.alloc(maxEntries * 4);
    const bOff = arena.alloc(maxRows * n * 4);
    const heap = arena.f32;
    const heapI32 = arena.i32;
    if (accumulate) heap.set(out.subarray(0, cols * n), outOff >> 2);
    else heap.fill(0, outOff >> 2, (outOff >> 2) + cols * n);
    for (let r = 0; r + 1 < bounds.length; r++) {
      const r0 = bounds[r]!;
      const r1 = bounds[r + 1]!;
      const q0 = rowPtr[r0]!;
      const q1 = rowPtr[r1]!;
      heapI32.set(rowPtr.subarray(r0, r1 + 1), ptrOff >> 2);
      heapI32.set(colIdx.subarray(q0, q1), idxOff >> 2);
      heap.set(values.subarray(q0, q1), valOff >> 2);
      heap.set(b.subarray(r0 * n, r1 * n), bOff >> 2);
      wasm.spmmTransposed(r1 - r0, n, ptrOff, idxOff, valOff, bOff, outOff);
    }
    out.set(heap.subarray(outOff >> 2, (outOff >> 2) + cols * n));
  };
}

function maxRowEntries(rowPtr: Int32Array, rows: number): number {
  let most = 0;
  for (let r = 0; r < rows; r++) most = Math.max(most, rowPtr[r + 1]! - rowPtr[r]!);
  return most;
}
