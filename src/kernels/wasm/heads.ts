/**
 * Per-head dot products and row-vector helpers on WebAssembly (float32; float64 goes to the reference), streamed
 * through the arena in row blocks.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import {
  addIntoReference,
  addRowVectorReference,
  columnSumsReference,
  headDotBackwardReference,
  headDotReference,
} from '../reference/heads.js';
import type { WasmArena } from './arena.js';
import type { WasmExports } from './loader.js';

type HeadDot = (
  x: FloatArray,
  att: FloatArray,
  rows: number,
  heads: number,
  channels: number,
  out: FloatArray,
) => void;

type HeadDotBackward = (
  x: FloatArray,
  att: FloatArray,
  gradOut: FloatArray,
  rows: number,
  heads: number,
  channels: number,
  gradX: FloatArray | null,
  gradAtt: FloatArray | null,
) => void;

/** Rows per block when a row costs `rowFloats` floats, after `fixedFloats` resident ones. */
function blockRows(arena: WasmArena, rowFloats: number, fixedFloats: number, rows: number): number {
  const budget = Math.floor(arena.chunkBytes / 4) - fixedFloats;
  return Math.max(1, Math.min(rows, Math.floor(budget / Math.max(1, rowFloats))));
}

export function createHeadDot(wasm: WasmExports, arena: WasmArena): HeadDot {
  return (x, att, rows, heads, channels, out) => {
    const width = heads * channels;
    if (!(
      x instanceof Float32Array &&
      att instanceof Float32Array &&
      out instanceof Float32Array
    )) {
      headDotReference(x, att, rows, heads, channels, out);
      return;
    }
    if (rows === 0 || heads === 0) return;
    if (width === 0) {
      out.fill(0, 0, rows * heads);
      return;
    }
    const resident = arena.residentOffsets(x, out);
    if (resident !== null) {
      arena.reset();
      wasm.headDot(rows, heads, channels, resident[0]!, arena.stage(att, width), resident[1]!);
      return;
    }
    const block = blockRows(arena, width + heads, width, rows);
    arena.reset();
    const attOff = arena.alloc(width * 4);
    const xOff = arena.alloc(block * width * 4);
    const outOff = arena.alloc(block * heads * 4);
    const heap = arena.f32;
    heap.set(att.subarray(0, width), attOff >> 2);
    for (let r0 = 0; r0 < rows; r0 += block) {
      const n = Math.min(block, rows - r0);
      heap.set(x.subarray(r0 * width, (r0 + n) * width), xOff >> 2);
      wasm.headDot(n, heads, channels, xOff, attOff, outOff);
      out.set(heap.subarray(outOff >> 2, (outOff >> 2) + n * heads), r0 * heads);
    }
  };
}

export function createHeadDotBackward(wasm: WasmExports, arena: WasmArena): HeadDotBackward {
  return (x, att, gradOut, rows, heads, channels, gradX, gradAtt) => {
    const width = heads * channels;
    if (!(
      x instanceof Float32Array &&
      att instanceof Float32Array &&
      gradOut instanceof Float32Array &&
      (gradX === null || gradX instanceof Float32Array) &&
      (gradAtt === null || gradAtt instanceof Float32Array)
    )) {
      headDotBackwardReference(x, att, gradOut, rows, heads, channels, gradX, gradAtt);
      return;
    }
    if (gradAtt !== null) gradAtt.fill(0, 0, width);
    if (rows === 0 || width === 0 || (gradX === null && gradAtt === null)) return;
    const resident = arena.residentOffsets(gradAtt === null ? null : x, gradOut, gradX);
    if (resident !== null) {
      const [xOff, gOff, gradXOff] = resident;
      arena.reset();
      const attOff = arena.stage(att, width);
      const gradAttOff = gradAtt === null ? 0 : arena.alloc(width * 4);
      if (gradAttOff !== 0) arena.f32.fill(0, gradAttOff >> 2, (gradAttOff >> 2) + width);
      wasm.headDotBackward(rows, heads, channels, xOff!, attOff, gOff!, gradXOff!, gradAttOff);
      if (gradAtt !== null) arena.unstage(gradAttOff, gradAtt, width);
      return;
    }
    const block = blockRows(
      arena,
      heads + (gradAtt === null ? 0 : width) + (gradX === null ? 0 : width),
      2 * width,
      rows,
    );
    arena.reset();
    const attOff = arena.alloc(width * 4);
    const gradAttOff = gradAtt === null ? 0 : arena.alloc(width * 4);
    const gOff = arena.alloc(block * heads * 4);
    const xOff = gradAtt === null ? 0 : arena.alloc(block * width * 4);
    const gradXOff = gradX === null ? 0 : arena.alloc(block * width * 4);
    const heap = arena.f32;
    heap.set(att.subarray(0, width), attOff >> 2);
    if (gradAttOff !== 0) heap.fill(0, gradAttOff >> 2, (gradAttOff >> 2) + width);
    for (let r0 = 0; r0 < rows; r0 += block) {
      const n = Math.min(block, rows - r0);
      heap.set(gradOut.subarray(r0 * heads, (r0 + n) * heads), gOff >> 2);
      if (xOff !== 0) heap.set(x.subarray(r0 * width, (r0 + n) * width), xOff >> 2);
      wasm.headDotBackward(n, heads, channels, xOff, attOff, gOff, gradXOff, gradAttOff);
      if (gradX !== null) {
        gradX.set(heap.subarray(gradXOff >> 2, (gradXOff >> 2) + n * width), r0 * width);
      }
    }
    if (gradAtt !== null) gradAtt.set(heap.subarray(gradAttOff >> 2, (gradAttOff >> 2) + width));
  };
}

type AddRowVector = (
  x: FloatArray,
  v: FloatArray,
  rows: number,
  n: number,
  out: FloatArray,
) => void;

/** v [n] four times over, as addRows takes it (four rows are whole vectors for any n). */
function stageTile(arena: WasmArena, v: Float32Array, n: number): number {
  const offset = arena.alloc(4 * n * 4);
  const row = v.subarray(0, n);
  for (let r = 0; r < 4; r++) arena.f32.set(row, (offset >> 2) + r * n);
  return offset;
}

export function createAddRowVector(wasm: WasmExports, arena: WasmArena): AddRowVector {
  return (x, v, rows, n, out) => {
    if (!(x instanceof Float32Array && v instanceof Float32Array && out instanceof Float32Array)) {
      addRowVectorReference(x, v, rows, n, out);
      return;
    }
    if (rows === 0 || n === 0) return;
    const resident = arena.residentOffsets(x, out);
    if (resident !== null) {
      arena.reset();
      wasm.addRows(rows, n, resident[0]!, stageTile(arena, v, n), resident[1]!);
      return;
    }
    const block = blockRows(arena, n, 4 * n, rows);
    arena.reset();
    const vOff = stageTile(arena, v, n);
    const xOff = arena.alloc(block * n * 4); // out written in place
    const heap = arena.f32;
    for (let r0 = 0; r0 < rows; r0 += block) {
      const m = Math.min(block, rows - r0);
      heap.set(x.subarray(r0 * n, (r0 + m) * n), xOff >> 2);
      wasm.addRows(m, n, xOff, vOff, xOff);
      out.set(heap.subarray(xOff >> 2, (xOff >> 2) + m * n), r0 * n);
    }
  };
}

type ColumnSums = (g: FloatArray, rows: number, n: number, out: FloatArray) => void;

export function createColumnSums(wasm: WasmExports, arena: WasmArena): ColumnSums {
  return (g, rows, n, out) => {
    if (!(g instanceof Float32Array && out instanceof Float32Array)) {
      columnSumsReference(g, rows, n, out);
      return;
    }
    if (n === 0) return;
    const resident = arena.residentOffsets(g);
    if (resident !== null) {
      arena.reset();
      const sums = arena.alloc(n * 4);
      arena.f32.fill(0, sums >> 2, (sums >> 2) + n);
      wasm.columnSums(rows, n, resident[0]!, sums);
      arena.unstage(sums, out, n);
      return;
    }
    const block = blockRows(arena, n, n, Math.max(1, rows));
    arena.reset();
    const sumsOff = arena.alloc(n * 4);
    const gOff = arena.alloc(block * n * 4);
    const heap = arena.f32;
    heap.fill(0, sumsOff >> 2, (sumsOff >> 2) + n);
    for (let r0 = 0; r0 < rows; r0 += block) {
      const m = Math.min(block, rows - r0);
      heap.set(g.subarray(r0 * n, (r0 + m) * n), gOff >> 2);
      wasm.columnSums(m, n, gOff, sumsOff);
    }
    out.set(heap.subarray(sumsOff >> 2, (sumsOff >> 2) + n));
  };
}

type AddInto = (target: FloatArray, source: FloatArray, length: number) => void;

export function createAddInto(wasm: WasmExports, arena: WasmArena): AddInto {
  return (target, source, length) => {
    if (!(target instanceof Float32Array && source instanceof Float32Array)) {
      addIntoReference(target, source, length);
      return;
    }
    if (length <= 0) return;
    const targetAt = arena.residentOffset(target);
    const sourceAt = arena.residentOffset(source);
    if (targetAt >= 0 && sourceAt >= 0) {
      wasm.addInto(length, targetAt, sourceAt);
      return;
    }
    // A side not in WebAssembly memory goes through the arena in chunks; a resident side is
    // used in place (a worker's private gradient, added into a shared one).
    const staged = (targetAt < 0 ? 1 : 0) + (sourceAt < 0 ? 1 : 0);
    const chunk = Math.max(4, Math.min(length, Math.floor(arena.chunkBytes / (4 * staged))));
    arena.reset();
    const tOff = targetAt < 0 ? arena.alloc(chunk * 4) : 0;
    const sOff = sourceAt < 0 ? arena.alloc(chunk * 4) : 0;
    const heap = arena.f32;
    for (let s = 0; s < length; s += chunk) {
      const n = Math.min(chunk, length - s);
      if (targetAt < 0) heap.set(target.subarray(s, s + n), tOff >> 2);
      if (sourceAt < 0) heap.set(source.subarray(s, s + n), sOff >> 2);
      wasm.addInto(
        n,
        targetAt < 0 ? tOff : targetAt + s * 4,
        sourceAt < 0 ? sOff : sourceAt + s * 4,
      );
      if (targetAt < 0) target.set(heap.subarray(tOff >> 2, (tOff >> 2) + n), s);
    }
  };
}
