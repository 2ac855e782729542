/**
 * Element-wise kernels on WebAssembly (float32; float64 goes to the reference): the arrays
 * stream through the arena in chunks, so any length runs in a bounded memory.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import type { AdamStepArgs, CsrMatrix, DropoutMask } from '../kernels.js';
import { adamStepReference } from '../reference/adam.js';
import {
  dropoutCsrReference,
  dropoutReference,
  eluBackwardFromOutputReference,
  eluBackwardReference,
  eluReference,
  firstNonFiniteReference,
} from '../reference/elementwise.js';
import type { WasmArena } from './arena.js';
import type { WasmExports } from './loader.js';

/** Bytes a call may copy in whole: beyond this it streams in chunks or uses the reference. */
const STAGE_BYTES = 64 * 1024 * 1024;

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
    const scale = Math.fround(mask.keepScale);
    const resident = arena.residentOffsets(x, out);
    if (resident !== null) {
      const [xOff, outOff] = resident;
      wasm.dropout(length, 0, mask.seedLo, mask.seedHi, mask.threshold, scale, xOff!, outOff!);
      return;
    }
    const chunk = chunkLength(arena, x === null ? 1 : 2, length);
    arena.reset();
    const xOff = x === null ? 0 : arena.alloc(chunk * 4);
    const outOff = arena.alloc(chunk * 4);
    const heap = arena.f32;
    for (let s = 0; s < length; s += chunk) {
      const n = Math.min(chunk, length - s);
      if (x !== null) heap.set(x.subarray(s, s + n), xOff >> 2);
      wasm.dropout(n, s, mask.seedLo, mask.seedHi, mask.threshold, scale, xOff, outOff);
      out.set(heap.subarray(outOff >> 2, (outOff >> 2) + n), s);
    }
  };
}

type DropoutCsr = (
  mask: DropoutMask,
  a: CsrMatrix,
  outRowPtr: Int32Array,
  outColIdx: Int32Array,
  outValues: FloatArray,
) => number;

/** Sparse dropout in one call: the rows are copied in whole (they fit, or the reference runs). */
export function createDropoutCsr(wasm: WasmExports, arena: WasmArena): DropoutCsr {
  return (mask, a, outRowPtr, outColIdx, outValues) => {
    const { rows, rowPtr, colIdx, values } = a;
    const first = rowPtr[0]!;
    const count = rowPtr[rows]! - first;
    if (!(values instanceof Float32Array && outValues instanceof Float32Array)) {
      return dropoutCsrReference(mask, a, outRowPtr, outColIdx, outValues);
    }
    if ((rows + 1) * 8 + count * 20 + 256 > Math.min(arena.capacity, STAGE_BYTES)) {
      return dropoutCsrReference(mask, a, outRowPtr, outColIdx, outValues);
    }
    arena.reset();
    const ptrOff = arena.alloc((rows + 1) * 4);
    const idxOff = arena.alloc(count * 4);
    const resident = arena.residentOffsets(values.subarray(first, first + count), outValues);
    const valOff = resident?.[0] ?? arena.alloc(count * 4);
    const outValOff = resident?.[1] ?? arena.alloc(count * 4);
    const outPtrOff = arena.alloc((rows + 1) * 4);
    const outIdxOff = arena.alloc(count * 4);
    const keepOff = arena.alloc(count * 4);
    const heap = arena.f32;
    const heapI32 = arena.i32;
    heapI32.set(rowPtr.subarray(0, rows + 1), ptrOff >> 2);
    heapI32.set(colIdx.subarray(first, first + count), idxOff >> 2);
    if (resident === null) heap.set(values.subarray(first, first + count), valOff >> 2);
    const kept = wasm.dropoutCsr(
      rows,
      mask.seedLo,
      mask.seedHi,
      mask.threshold,
      Math.fround(mask.keepScale),
      ptrOff,
      idxOff,
      valOff,
      outPtrOff,
      outIdxOff,
      outValOff,
      keepOff,
    );
    outRowPtr.set(heapI32.subarray(outPtrOff >> 2, (outPtrOff >> 2) + rows + 1));
    outColIdx.set(heapI32.subarray(outIdxOff >> 2, (outIdxOff >> 2) + kept));
    if (resident === null) outValues.set(heap.subarray(outValOff >> 2, (outValOff >> 2) + kept));
    return kept;
  };
}

type FirstNonFinite = (x: FloatArray, length: number) => number;

/** Validation scans of node features: in place when resident, else streamed in chunks. */
export function createFirstNonFinite(wasm: WasmExports, arena: WasmArena): FirstNonFinite {
  return (x, length) => {
    if (!(x instanceof Float32Array)) return firstNonFiniteReference(x, length);
    if (length <= 0) return -1;
    const at = arena.residentOffset(x);
    if (at >= 0) return wasm.firstNonFinite(length, at);
    const chunk = chunkLength(arena, 1, length);
    arena.reset();
    const off = arena.alloc(chunk * 4);
    const heap = arena.f32;
    for (let s = 0; s < length; s += chunk) {
      const n = Math.min(chunk, length - s);
      heap.set(x.subarray(s, s + n), off >> 2);
      const i = wasm.firstNonFinite(n, off);
      if (i >= 0) return s + i;
    }
    return -1;
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
    const resident = arena.residentOffsets(x, out);
    if (resident !== null) {
      wasm.elu(length, alpha, resident[0]!, resident[1]!);
      return;
    }
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
    const resident = arena.residentOffsets(x, gradOut, gradX);
    if (resident !== null) {
      const [xOff, gOff, gxOff] = resident;
      wasm.eluBackward(length, alpha, xOff!, gOff!, gxOff!);
      return;
    }
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

type EluBackwardFromOutput = (
  x: FloatArray,
  y: FloatArray,
  gradOut: FloatArray,
  alpha: number,
  gradX: FloatArray,
  length: number,
) => void;

export function createEluBackwardFromOutput(
  wasm: WasmExports,
  arena: WasmArena,
): EluBackwardFromOutput {
  return (x, y, gradOut, alpha, gradX, length) => {
    if (!(
      x instanceof Float32Array &&
      y instanceof Float32Array &&
      gradOut instanceof Float32Array &&
      gradX instanceof Float32Array
    )) {
      eluBackwardFromOutputReference(x, y, gradOut, alpha, gradX, length);
      return;
    }
    if (length === 0) return;
    const resident = arena.residentOffsets(x, y, gradOut, gradX);
    if (resident !== null) {
      const [xOff, yOff, gOff, gxOff] = resident;
      wasm.eluBackwardFromOutput(length, alpha, xOff!, yOff!, gOff!, gxOff!);
      return;
    }
    const chunk = chunkLength(arena, 3, length);
    arena.reset();
    const xOff = arena.alloc(chunk * 4);
    const yOff = arena.alloc(chunk * 4);
    const gOff = arena.alloc(chunk * 4); // gradX written in place of g
    const heap = arena.f32;
    for (let s = 0; s < length; s += chunk) {
      const n = Math.min(chunk, length - s);
      heap.set(x.subarray(s, s + n), xOff >> 2);
      heap.set(y.subarray(s, s + n), yOff >> 2);
      heap.set(gradOut.subarray(s, s + n), gOff >> 2);
      wasm.eluBackwardFromOutput(n, alpha, xOff, yOff, gOff, gOff);
      gradX.set(heap.subarray(gOff >> 2, (gOff >> 2) + n), s);
    }
  };
}

type AdamStep = (
  args: AdamStepArgs,
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  update: FloatArray | null,
  length: number,
) => void;

/** Adam in float32 SIMD (as PyTorch computes it in float32), not the reference's float64. */
export function createAdamStep(wasm: WasmExports, arena: WasmArena): AdamStep {
  return (args, param, grad, m, v, update, length) => {
    if (!(
      param instanceof Float32Array &&
      grad instanceof Float32Array &&
      m instanceof Float32Array &&
      v instanceof Float32Array &&
      (update === null || update instanceof Float32Array)
    )) {
      adamStepReference(args, param, grad, m, v, update, length);
      return;
    }
    if (length === 0) return;
    // Arrays already in WebAssembly memory (pooled storage; Adam's moments) are updated in
    // place; the others stream through the arena in chunks, copied in and (outputs) out.
    const arrays = [param, grad, m, v, update];
    const inPlace = arrays.map((a) => arena.residentOffset(a));
    const isOutput = [update === null, false, true, true, true];
    const staged = arrays.filter((a, i) => a !== null && inPlace[i]! < 0).length;
    const chunk = staged === 0 ? length : chunkLength(arena, staged, length);
    arena.reset();
    const buffers = arrays.map((a, i) =>
      a === null || inPlace[i]! >= 0 ? 0 : arena.alloc(chunk * 4),
    );
    const heap = arena.f32;
    for (let s = 0; s < length; s += chunk) {
      const n = Math.min(chunk, length - s);
      const off = arrays.map((a, i) => {
        if (a === null) return 0;
        if (inPlace[i]! >= 0) return inPlace[i]! + s * 4;
        if (i !== 4) heap.set(a.subarray(s, s + n), buffers[i]! >> 2); // update: output only
        return buffers[i]!;
      });
      wasm.adamStep(
        n,
        args.lr,
        args.beta1,
        args.beta2,
        args.eps,
        args.weightDecay,
        args.biasCorrection1,
        args.sqrtBiasCorrection2,
        off[0]!,
        off[1]!,
        off[2]!,
        off[3]!,
        off[4]!,
      );
      arrays.forEach((a, i) => {
        if (a !== null && inPlace[i]! < 0 && isOutput[i]!) {
          a.set(heap.subarray(buffers[i]! >> 2, (buffers[i]! >> 2) + n), s);
        }
      });
    }
  };
}
