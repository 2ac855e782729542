/**
 * x Wᵀ + b for sparse x on WebAssembly (float32; float64 goes to the reference). W [O, F] is
 * copied in as stored and transposed inside WebAssembly (into spmmPanels' panels of 16
 * columns in the forward), so no caller materialises Wᵀ; rows of x stream through in chunks
 * while W (or the weight gradient) stays resident.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import type { CsrMatrix, SparseProjection } from '../kernels.js';
import { sparseLinearBackwardReference, sparseLinearManyReference } from '../reference/linear.js';
import { largestRange, planRanges, type WasmArena } from './arena.js';
import type { WasmExports } from './loader.js';

type SparseLinear = (
  a: CsrMatrix,
  weight: FloatArray,
  outFeatures: number,
  bias: FloatArray | null,
  out: FloatArray,
) => void;

type SparseLinearMany = (a: CsrMatrix, projections: readonly SparseProjection[]) => void;

type SparseLinearBackward = (
  a: CsrMatrix,
  gradOut: FloatArray,
  outFeatures: number,
  gradWeight: FloatArray | null,
  gradBias: FloatArray | null,
) => void;

function maxRowEntries(rowPtr: Int32Array, rows: number): number {
  let most = 0;
  for (let r = 0; r < rows; r++) most = Math.max(most, rowPtr[r + 1]! - rowPtr[r]!);
  return most;
}

interface RowPlan {
  /** Row boundaries [0, b1, ..., rows] of the chunks. */
  readonly bounds: readonly number[];
  /** The most rows and the most stored entries of one chunk. */
  readonly maxRows: number;
  readonly maxEntries: number;
}

/**
 * Row ranges of `a` whose CSR slices and [rows, O] blocks fit next to `fixedBytes`; null if
 * none. When the whole matrix fits in one chunk (the usual case) no row is visited: walking
 * the row pointers to plan chunks cost 7–14 µs per call on Cora.
 */
function planRows(
  arena: WasmArena,
  a: CsrMatrix,
  outFeatures: number,
  fixedBytes: number,
): RowPlan | null {
  const { rows, rowPtr } = a;
  const entries = rowPtr[rows]! - rowPtr[0]!;
  const budget = Math.min(arena.chunkBytes, arena.capacity - fixedBytes);
  // 64 bytes cover the 16-byte alignment of the row pointers and the two entry buffers.
  if (rows * (4 + outFeatures * 4) + 4 + entries * 8 + 64 <= budget) {
    return { bounds: [0, rows], maxRows: rows, maxEntries: entries };
  }
  if (fixedBytes + 8 + outFeatures * 4 + maxRowEntries(rowPtr, rows) * 8 > arena.capacity) {
    return null;
  }
  const bounds = planRanges(rows, rowPtr, 4 + outFeatures * 4, 8, budget);
  const [maxRows, maxEntries] = largestRange(bounds, rowPtr);
  return { bounds, maxRows, maxEntries };
}

export function createSparseLinear(wasm: WasmExports, arena: WasmArena): SparseLinear {
  const many = createSparseLinearMany(wasm, arena);
  return (a, weight, outFeatures, bias, out) => {
    many(a, [{ weight, outFeatures, bias, out }]);
  };
}

function onWasm(a: CsrMatrix, projections: readonly SparseProjection[]): boolean {
  return (
    a.values instanceof Float32Array &&
    projections.every(
      (p) =>
        p.weight instanceof Float32Array &&
        p.out instanceof Float32Array &&
        (p.bias === null || p.bias instanceof Float32Array),
    )
  );
}

/**
 * Every projection's W is copied in and packed into panels (one staging buffer serves them
 * all), then each chunk of A's rows is copied in and classified (constantRows) once, and
 * multiplied by every projection's panels.
 */
export function createSparseLinearMany(wasm: WasmExports, arena: WasmArena): SparseLinearMany {
  const many: SparseLinearMany = (a, projections) => {
    const { rows, cols: F, rowPtr, colIdx, values } = a;
    if (!onWasm(a, projections)) {
      sparseLinearManyReference(a, projections);
      return;
    }
    const live = projections.filter((p) => p.outFeatures > 0);
    if (rows === 0 || live.length === 0) return;
    let widest = 0;
    let panelFloats = 0;
    let outFloatsPerRow = 0;
    for (const p of live) {
      widest = Math.max(widest, p.outFeatures);
      panelFloats += F * p.outFeatures + p.outFeatures; // panels and bias
      outFloatsPerRow += p.outFeatures;
    }
    const fixedBytes = (F * widest + panelFloats) * 4 + 64 * (live.length + 1);
    // One byte per row more for constantRows' flags (4 per row leaves room for alignment).
    const plan = planRows(arena, a, outFloatsPerRow + 1, fixedBytes);
    if (plan === null) {
      // Too large together: one projection at a time, or the reference for one alone.
      if (live.length > 1) for (const p of live) many(a, [p]);
      else sparseLinearManyReference(a, live);
      return;
    }
    const { bounds, maxRows, maxEntries } = plan;
    // Values and outputs already in WebAssembly memory (pooled storage) are used in place.
    const valuesAt = arena.residentOffset(values);
    const outsAt = live.map((p) => arena.residentOffset(p.out));
    arena.reset();
    const wOff = arena.alloc(F * widest * 4);
    const panels = live.map((p) => arena.alloc(F * p.outFeatures * 4));
    const biases = live.map((p) => (p.bias === null ? 0 : arena.alloc(p.outFeatures * 4)));
    const flagsOff = arena.alloc(maxRows);
    const ptrOff = arena.alloc((maxRows + 1) * 4);
    const idxOff = arena.alloc(maxEntries * 4);
    const valOff = valuesAt < 0 ? arena.alloc(maxEntries * 4) : 0;
    const outOff = outsAt.some((at) => at < 0) ? arena.alloc(maxRows * widest * 4) : 0;
    const heap = arena.f32;
    const heapI32 = arena.i32;
    live.forEach((p, k) => {
      const O = p.outFeatures;
      heap.set(p.weight.subarray(0, O * F), wOff >> 2);
      wasm.packPanels(O, F, wOff, panels[k]!); // Wᵀ [F, O] in panels of 16 columns
      if (p.bias !== null) heap.set(p.bias.subarray(0, O), biases[k]! >> 2);
    });
    for (let r = 0; r + 1 < bounds.length; r++) {
      const r0 = bounds[r]!;
      const r1 = bounds[r + 1]!;
      const q0 = rowPtr[r0]!;
      const q1 = rowPtr[r1]!;
      heapI32.set(rowPtr.subarray(r0, r1 + 1), ptrOff >> 2);
      heapI32.set(colIdx.subarray(q0, q1), idxOff >> 2);
      if (valuesAt < 0) heap.set(values.subarray(q0, q1), valOff >> 2);
      const vals = valuesAt < 0 ? valOff : valuesAt + q0 * 4;
      wasm.constantRows(r1 - r0, ptrOff, vals, flagsOff);
      live.forEach((p, k) => {
        const O = p.outFeatures;
        const outAt = outsAt[k]!;
        const rowsOut = outAt < 0 ? outOff : outAt + r0 * O * 4;
        wasm.spmmPanels(
          r1 - r0,
          O,
          ptrOff,
          idxOff,
          vals,
          panels[k]!,
          F,
          biases[k]!,
          rowsOut,
          flagsOff,
        );
        if (outAt < 0) p.out.set(heap.subarray(outOff >> 2, (outOff >> 2) + (r1 - r0) * O), r0 * O);
      });
    }
  };
  return many;
}

export function createSparseLinearBackward(
  wasm: WasmExports,
  arena: WasmArena,
): SparseLinearBackward {
  return (a, gradOut, O, gradWeight, gradBias) => {
    const { rows, cols: F, rowPtr, colIdx, values } = a;
    if (!(
      values instanceof Float32Array &&
      gradOut instanceof Float32Array &&
      (gradWeight === null || gradWeight instanceof Float32Array) &&
      (gradBias === null || gradBias instanceof Float32Array)
    )) {
      sparseLinearBackwardReference(a, gradOut, O, gradWeight, gradBias);
      return;
    }
    const fixedBytes = 2 * F * O * 4 + O * 4 + 64;
    const plan = rows === 0 || O === 0 ? null : planRows(arena, a, O, fixedBytes);
    if (plan === null) {
      sparseLinearBackwardReference(a, gradOut, O, gradWeight, gradBias);
      return;
    }
    const { bounds, maxRows, maxEntries } = plan;
    // Arrays already in WebAssembly memory (pooled storage) are used in place.
    const valuesAt = arena.residentOffset(values);
    const gradOutAt = arena.residentOffset(gradOut);
    const gradWeightAt = arena.residentOffset(gradWeight);
    arena.reset();
    const gwtOff = arena.alloc(F * O * 4); // (Gᵀ A)ᵀ = Aᵀ G [F, O], accumulated over chunks
    const gwOff = gradWeightAt < 0 ? arena.alloc(F * O * 4) : gradWeightAt;
    const gbOff = arena.alloc(O * 4);
    const ptrOff = arena.alloc((maxRows + 1) * 4);
    const idxOff = arena.alloc(maxEntries * 4);
    const valOff = valuesAt < 0 ? arena.alloc(maxEntries * 4) : 0;
    const gOff = gradOutAt < 0 ? arena.alloc(maxRows * O * 4) : 0;
    const heap = arena.f32;
    const heapI32 = arena.i32;
    heap.fill(0, gwtOff >> 2, (gwtOff >> 2) + F * O);
    heap.fill(0, gbOff >> 2, (gbOff >> 2) + O);
    for (let r = 0; r + 1 < bounds.length; r++) {
      const r0 = bounds[r]!;
      const r1 = bounds[r + 1]!;
      const q0 = rowPtr[r0]!;
      const q1 = rowPtr[r1]!;
      heapI32.set(rowPtr.subarray(r0, r1 + 1), ptrOff >> 2);
      heapI32.set(colIdx.subarray(q0, q1), idxOff >> 2);
      if (valuesAt < 0) heap.set(values.subarray(q0, q1), valOff >> 2);
      if (gradOutAt < 0) heap.set(gradOut.subarray(r0 * O, r1 * O), gOff >> 2);
      const vals = valuesAt < 0 ? valOff : valuesAt + q0 * 4;
      const g = gradOutAt < 0 ? gOff : gradOutAt + r0 * O * 4;
      // Gradient rows scatter into gwt while their column sums accumulate, in one pass.
      const gwt = gradWeight === null ? 0 : gwtOff;
      const gb = gradBias === null ? 0 : gbOff;
      wasm.spmmTransposedSums(r1 - r0, O, ptrOff, idxOff, vals, g, gwt, gb);
    }
    if (gradWeight !== null) {
      wasm.transposeStrips(F, O, gwtOff, gwOff);
      if (gradWeightAt < 0) gradWeight.set(heap.subarray(gwOff >> 2, (gwOff >> 2) + O * F));
    }
    if (gradBias !== null) gradBias.set(heap.subarray(gbOff >> 2, (gbOff >> 2) + O));
  };
}
