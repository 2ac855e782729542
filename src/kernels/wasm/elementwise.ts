/**
 * Element-wise kernels on WebAssembly (float32; float64 goes to the reference): the arrays
 * stream through the arena in chunks, so any length runs in a bounded memory.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import type { DropoutMask } from '../kernels.js';
import { dropoutReference, eluBackwardReference, eluReference } from '../reference/elementwise.js';
import type { WasmArena } from './arena.js';
import type { WasmExports } from './loader.js';

/** Elements per chunk when `arrays` float32 arrays of that length share the arena. */
function chunkLength(arena: WasmArena, arrays: number, length: number): number {
  return Math.max(4, Math.min(length, Math.floor(arena.chunkBytes / (4 * arrays))));
}

type Dropout = (mask: DropoutMask, x: FloatArray | null, out: FloatArray, length: number) => void;

export function createDropout(wasm: WasmExports, arena: WasmArena): Dropout {
  return (mask, x, out, length) => {
    if (!(out instanceof Float32Array && (x === null || x instanceof Float32Array))) {
      dropoutReference(mask, x, out, length);
      return;
    }
    if (length === 0) return;
    const chunk = chunkLength(arena, x === null ? 1 : 2, length);
    arena.reset();
    const xOff = x === null ? 0 : arena.alloc(chunk * 4);
    const outOff = arena.alloc(chunk * 4);
    const heap = arena.f32;
    const scale = Math.fround(mask.keepScale);
    for (let s = 0; s < length; s += chunk) {
      const n = Math.min(chunk, length - s);
      if (x !== null) heap.set(x.subarray(s, s + n), xOff >> 2);
      wasm.dropout(n, s, mask.seedLo, mask.seedHi, mask.threshold, scale, xOff, outOff);
      out.set(heap.subarray(outOff >> 2, (outOff >> 2) + n), s);
    }
  };
}

type Elu = (x: FloatArray, alpha: number, out: FloatArray, length: number) => void;

export function createElu(wasm: WasmExports, arena: WasmArena): Elu {
  return (x, alpha, out, length) => {
    if (!(x instanceof Float32Array && out instanceof Float32Array)) {
      eluReference(x, alpha, out, length);
      return;
    }
    if (length === 0) return;
    const chunk = chunkLength(arena, 1, length);
    arena.reset();
    const off = arena.alloc(chunk * 4); // in place
    const heap = arena.f32;
    for (let s = 0; s < length; s += chunk) {
      const n = Math.min(chunk, length - s);
      heap.set(x.subarray(s, s + n), off >> 2);
      wasm.elu(n, alpha, off, off);
      out.set(heap.subarray(off >> 2, (off >> 2) + n), s);
    }
  };
}

type EluBackward = (
  x: FloatArray,
  gradOut: FloatArray,
  alpha: number,
  gradX: FloatArray,
  length: number,
) => void;

export function createEluBackward(wasm: WasmExports, arena: WasmArena): EluBackward {
  return (x, gradOut, alpha, gradX, length) => {
    if (!(
      x instanceof Float32Array &&
      gradOut instanceof Float32Array &&
      gradX instanceof Float32Array
    )) {
      eluBackwardReference(x, gradOut, alpha, gradX, length);
      return;
    }
    if (length === 0) return;
    const chunk = chunkLength(arena, 2, length);
    arena.reset();
    const xOff = arena.alloc(chunk * 4);
    const gOff = arena.alloc(chunk * 4); // gradX written in place of g
    const heap = arena.f32;
    for (let s = 0; s < length; s += chunk) {
      const n = Math.min(chunk, length - s);
      heap.set(x.subarray(s, s + n), xOff >> 2);
      heap.set(gradOut.subarray(s, s + n), gOff >> 2);
      wasm.eluBackward(n, alpha, xOff, gOff, gOff);
      gradX.set(heap.subarray(gOff >> 2, (gOff >> 2) + n), s);
    }
  };
}
