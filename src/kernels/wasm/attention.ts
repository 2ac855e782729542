/**
 * The fused GAT / GATv2 attention kernels on WebAssembly. float32 only (float64 goes to the
 * reference). The graph is processed in ranges of targets: the arrays every target may read
 * (source rows, attention vector, and their gradients) stay resident in WebAssembly memory,
 * the per-target rows and per-edge slices of one range are copied in, computed and copied
 * out, so graphs of tens of millions of edges run in a bounded arena.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import type {
  GatAttentionArgs,
  GatBackwardOutputs,
  GatForwardOutputs,
  Gatv2AttentionArgs,
  Gatv2BackwardOutputs,
  Gatv2ForwardOutputs,
  TargetCsr,
} from '../kernels.js';
import {
  gatAttentionBackwardReference,
  gatAttentionForwardReference,
} from '../reference/gat-attention.js';
import {
  gatv2AttentionBackwardReference,
  gatv2AttentionForwardReference,
} from '../reference/gatv2-attention.js';
import { largestRange, planRanges, type WasmArena } from './arena.js';
import type { WasmExports } from './loader.js';

/** A target's source rows are gathered into a contiguous buffer of at most this size. */
const GATHER_BYTES = 128 * 1024;

/**
 * Source arrays up to this size stay in the core's caches, where gathering rows first only
 * adds a copy: below it the kernels read rows in place (WasmKernelOptions can change it).
 */
export const DEFAULT_GATHER_MIN_SOURCE_BYTES = 2 * 1024 * 1024;

/** One array of a chunked call: `width` floats per item; copied in and/or out. */
interface Operand {
  readonly data: Float32Array | null;
  readonly width: number;
  readonly copyIn: boolean;
  readonly copyOut: boolean;
}

type ChunkCall = (
  numDst: number,
  ptr: number,
  src: number,
  resident: readonly number[],
  perTarget: readonly number[],
  perEdge: readonly number[],
  scratch: number,
) => void;

function isFloat32(a: FloatArray | null): a is Float32Array | null {
  return a === null || a instanceof Float32Array;
}

/**
 * Bytes after each buffer of a call: the kernels may read a vector (16 bytes) from anywhere
 * in a buffer, and write the lanes past a segment's end of a per-edge output.
 */
const PAD_BYTES = 16;

/** Byte offset of an operand in the arena, 0 (the kernels' null) when absent. */
function allocOperand(arena: WasmArena, data: Float32Array | null, floats: number): number {
  return data === null ? 0 : arena.alloc(floats * 4 + PAD_BYTES);
}

function operandBytes(operands: readonly Operand[]): number {
  let bytes = 0;
  for (const o of operands) if (o.data !== null) bytes += o.width * 4;
  return bytes;
}

/** The largest in-degree of a target. */
function widestTarget(graph: TargetCsr): number {
  const { ptr, numDst } = graph;
  let widest = 0;
  for (let i = 0; i < numDst; i++) widest = Math.max(widest, ptr[i + 1]! - ptr[i]!);
  return widest;
}

/**
 * Runs `call` over ranges of targets. `resident` operands are whole (width = total floats),
 * `perTarget` have `width` floats per target, `perEdge` per edge slot. Returns false, having
 * done nothing, when a single target's edges cannot fit in the arena. `widest` is the
 * graph's widest in-degree when the caller knows it (-1: computed here if needed).
 */
function runByTargets(
  arena: WasmArena,
  graph: TargetCsr,
  resident: readonly Operand[],
  perTarget: readonly Operand[],
  perEdge: readonly Operand[],
  scratchBytes: number,
  call: ChunkCall,
  widest = -1,
): boolean {
  const { numDst, ptr, src } = graph;
  if (numDst === 0) return true;
  // Operands already in WebAssembly memory (pooled storage) are used in place: no buffer,
  // no copies; a chunk's slice of a per-target or per-edge one starts at its first item.
  const at = (o: Operand): number => arena.residentOffset(o.data);
  const residentAtOf = resident.map(at);
  const targetAt = perTarget.map(at);
  const edgeAt = perEdge.map(at);
  // Only the operands copied in take room in the arena. Alignment and padding of each buffer.
  const copied = (operands: readonly Operand[], inPlace: readonly number[]): Operand[] =>
    operands.filter((_, r) => inPlace[r]! < 0);
  const slack = (16 + PAD_BYTES) * (resident.length + perTarget.length + perEdge.length + 4);
  const fixedBytes = operandBytes(copied(resident, residentAtOf)) + scratchBytes + slack;
  const itemBytes = 4 + operandBytes(copied(perTarget, targetAt));
  const entryBytes = 4 + operandBytes(copied(perEdge, edgeAt));
  // A range always holds at least one target, so a hub wider than the budget gets its own.
  const budget = Math.min(arena.chunkBytes, arena.capacity - fixedBytes);
  const entries = ptr[numDst]! - ptr[0]!;
  let bounds: number[];
  let maxTargets: number;
  let maxEdges: number;
  if (Math.max(2, numDst) * itemBytes + entries * entryBytes <= budget) {
    // All targets in one range (what planRanges returns then), without its loop over them.
    bounds = [0, numDst];
    maxTargets = numDst;
    maxEdges = entries;
  } else {
    if (widest < 0) widest = widestTarget(graph);
    if (fixedBytes + 2 * itemBytes + widest * entryBytes > arena.capacity) return false;
    bounds = planRanges(numDst, ptr, itemBytes, entryBytes, budget);
    [maxTargets, maxEdges] = largestRange(bounds, ptr);
  }

  arena.reset();
  const residentOff = resident.map((o, r) =>
    residentAtOf[r]! >= 0 ? residentAtOf[r]! : allocOperand(arena, o.data, o.width),
  );
  const scratch = arena.alloc(scratchBytes + PAD_BYTES);
  const ptrOff = arena.alloc((maxTargets + 1) * 4 + PAD_BYTES);
  const srcOff = arena.alloc(Math.max(1, maxEdges) * 4 + PAD_BYTES);
  const targetBuf = perTarget.map((o, r) =>
    targetAt[r]! >= 0 ? 0 : allocOperand(arena, o.data, maxTargets * o.width),
  );
  const edgeBuf = perEdge.map((o, r) =>
    edgeAt[r]! >= 0 ? 0 : allocOperand(arena, o.data, maxEdges * o.width),
  );
  const heap = arena.f32;
  const heapI32 = arena.i32;

  resident.forEach((o, r) => {
    if (o.data !== null && o.copyIn && residentAtOf[r]! < 0)
      heap.set(o.data.subarray(0, o.width), residentOff[r]! >> 2);
  });
  for (let c = 0; c + 1 < bounds.length; c++) {
    const t0 = bounds[c]!;
    const t1 = bounds[c + 1]!;
    const q0 = ptr[t0]!;
    const q1 = ptr[t1]!;
    heapI32.set(ptr.subarray(t0, t1 + 1), ptrOff >> 2);
    heapI32.set(src.subarray(q0, q1), srcOff >> 2);
    /** Offsets of this chunk's slices: in place, or the arena buffer (copied in). */
    const place = (
      operands: readonly Operand[],
      inPlace: readonly number[],
      buffers: readonly number[],
      s: number,
      e: number,
    ): number[] =>
      operands.map((o, r) => {
        if (o.data === null) return 0;
        if (inPlace[r]! >= 0) return inPlace[r]! + s * o.width * 4;
        if (o.copyIn) heap.set(o.data.subarray(s * o.width, e * o.width), buffers[r]! >> 2);
        return buffers[r]!;
      });
    const copyOut = (
      operands: readonly Operand[],
      inPlace: readonly number[],
      buffers: readonly number[],
      s: number,
      e: number,
    ): void => {
      operands.forEach((o, r) => {
        if (o.data !== null && o.copyOut && inPlace[r]! < 0) {
          const from = buffers[r]! >> 2;
          o.data.set(heap.subarray(from, from + (e - s) * o.width), s * o.width);
        }
      });
    };
    const targetOff = place(perTarget, targetAt, targetBuf, t0, t1);
    const edgeOff = place(perEdge, edgeAt, edgeBuf, q0, q1);
    call(t1 - t0, ptrOff, srcOff, residentOff, targetOff, edgeOff, scratch);
    copyOut(perTarget, targetAt, targetBuf, t0, t1);
    copyOut(perEdge, edgeAt, edgeBuf, q0, q1);
  }
  resident.forEach((o, r) => {
    if (o.data !== null && o.copyOut && residentAtOf[r]! < 0) {
      const from = residentOff[r]! >> 2;
      o.data.set(heap.subarray(from, from + o.width));
    }
  });
  return true;
}

const input = (data: Float32Array | null, width: number): Operand => ({
  data,
  width,
  copyIn: true,
  copyOut: false,
});
const output = (data: Float32Array | null, width: number): Operand => ({
  data,
  width,
  copyIn: false,
  copyOut: true,
});
/** "Added into": copied in, accumulated, copied out. */
const update = (data: Float32Array | null, width: number): Operand => ({
  data,
  width,
  copyIn: true,
  copyOut: true,
});

/** Edge slots whose per-head dot products the backward kernels may keep: 16 MiB of them. */
const CACHE_BYTES = 16 * 1024 * 1024;

/**
 * How many edges of one target the backward kernels cache <g_i, x_j> for (one head, or H a
 * multiple of 4; 0: recompute): the widest in-degree, when that fits in CACHE_BYTES.
 */
function cacheEdges(widest: number, heads: number, cacheBytes: number): number {
  if (heads !== 1 && (heads & 3) !== 0) return 0;
  return widest * heads * 4 <= cacheBytes ? widest : 0;
}

/** 16-byte aligned bytes of two per-head float arrays (max and 1/sum, or the dot products). */
function headScratchBytes(heads: number): number {
  return Math.ceil((heads * 8) / 16) * 16;
}

/**
 * Scratch of one kernel call, as assembly/attention.ts lays it out: the per-head floats, the
 * gather buffer (`capacity` rows), the backward kernels' cache (`cached` edges, written four
 * at a time), then either the one-head kernels' zero row and four spare rows, or the
 * heads-as-lanes kernels' swizzle tables and two transposed rows (H·C floats each).
 */
function scratchBytes(heads: number, channels: number, capacity: number, cached: number): number {
  const width = heads * channels;
  const cacheBytes = cached > 0 ? cached * heads * 4 + 16 : 0;
  const rowBytes = Math.ceil((channels * 4) / 16) * 16 + 16;
  const tail = Math.max(5 * rowBytes, 3 * width * 4);
  return headScratchBytes(heads) + Math.max(1, capacity) * width * 4 + cacheBytes + 32 + tail;
}

/** Rows of `width` floats the gather buffer holds; 0 (no gathering) for small sources. */
function gatherCapacity(width: number, numSrc: number, minSourceBytes: number): number {
  if (numSrc * width * 4 <= minSourceBytes) return 0;
  return Math.max(1, Math.floor(GATHER_BYTES / (width * 4)));
}

/** H and C both multiples of 4 go to the kernels of assembly/attention-heads.ts. */
const headsKernels = (heads: number, channels: number): boolean =>
  heads % 4 === 0 && channels % 4 === 0;

type Gatv2Forward = (args: Gatv2AttentionArgs, outputs: Gatv2ForwardOutputs) => void;
type Gatv2Backward = (
  args: Gatv2AttentionArgs,
  alpha: FloatArray,
  gradOut: FloatArray,
  outputs: Gatv2BackwardOutputs,
) => void;
type GatForward = (args: GatAttentionArgs, outputs: GatForwardOutputs) => void;
type GatBackward = (
  args: GatAttentionArgs,
  alpha: FloatArray,
  gradOut: FloatArray,
  outputs: GatBackwardOutputs,
) => void;

export function createGatv2Forward(
  wasm: WasmExports,
  arena: WasmArena,
  gatherMinSourceBytes = DEFAULT_GATHER_MIN_SOURCE_BYTES,
): Gatv2Forward {
  return (args, outputs) => {
    const { graph, heads: H, channels: C, xl, xr, edge, att, negativeSlope, dropScale } = args;
    const bias = args.bias ?? null;
    const { out, alpha } = outputs;
    const HC = H * C;
    const kernel = headsKernels(H, C) ? 'gatv2ForwardHeads' : 'gatv2Forward';
    const capacity = gatherCapacity(HC, graph.numSrc, gatherMinSourceBytes);
    const ran =
      isFloat32(xl) &&
      isFloat32(xr) &&
      isFloat32(edge) &&
      isFloat32(att) &&
      isFloat32(dropScale) &&
      isFloat32(bias) &&
      isFloat32(out) &&
      isFloat32(alpha) &&
      HC > 0 &&
      negativeSlope <= 1 && // the kernels compute LeakyReLU as max(z, slope·z)
      runByTargets(
        arena,
        graph,
        [input(xl, graph.numSrc * HC), input(att, HC), input(bias, HC)],
        [input(xr, HC), output(out, HC)],
        [input(edge, HC), input(dropScale, H), output(alpha, H)],
        scratchBytes(H, C, capacity, 0),
        (
          numDst,
          ptr,
          src,
          [xlOff, attOff, biasOff],
          [xrOff, outOff],
          [edgeOff, dropOff, alphaOff],
          scratch,
        ) => {
          wasm[kernel](
            numDst,
            H,
            C,
            ptr,
            src,
            xlOff!,
            xrOff!,
            edgeOff!,
            attOff!,
            negativeSlope,
            dropOff!,
            biasOff!,
            outOff!,
            alphaOff!,
            scratch,
            capacity,
          );
        },
      );
    if (!ran) gatv2AttentionForwardReference(args, outputs);
  };
}

/**
 * `cacheBytes` bounds the backward kernels' cache of per-edge dot products (tests set 0 to
 * exercise recomputing them).
 */
export function createGatv2Backward(
  wasm: WasmExports,
  arena: WasmArena,
  gatherMinSourceBytes = DEFAULT_GATHER_MIN_SOURCE_BYTES,
  cacheBytes = CACHE_BYTES,
): Gatv2Backward {
  return (args, alpha, gradOut, outputs) => {
    const { graph, heads: H, channels: C, xl, xr, edge, att, negativeSlope, dropScale } = args;
    const { gradXl, gradXr, gradEdge, gradAtt } = outputs;
    const HC = H * C;
    const kernel = headsKernels(H, C) ? 'gatv2BackwardHeads' : 'gatv2Backward';
    const capacity = gatherCapacity(HC, graph.numSrc, gatherMinSourceBytes);
    const widest = widestTarget(graph);
    const cached = cacheEdges(widest, H, cacheBytes);
    const ran =
      isFloat32(xl) &&
      isFloat32(xr) &&
      isFloat32(edge) &&
      isFloat32(att) &&
      isFloat32(dropScale) &&
      isFloat32(alpha) &&
      isFloat32(gradOut) &&
      isFloat32(gradXl) &&
      isFloat32(gradXr) &&
      isFloat32(gradEdge) &&
      isFloat32(gradAtt) &&
      HC > 0 &&
      negativeSlope <= 1 && // the kernels compute LeakyReLU as max(z, slope·z)
      runByTargets(
        arena,
        graph,
        [
          input(xl, graph.numSrc * HC),
          input(att, HC),
          update(gradXl, graph.numSrc * HC),
          update(gradAtt, HC),
        ],
        [input(xr, HC), input(gradOut, HC), update(gradXr, HC)],
        [input(edge, HC), input(dropScale, H), input(alpha, H), update(gradEdge, HC)],
        scratchBytes(H, C, capacity, cached),
        (
          numDst,
          ptr,
          src,
          [xlOff, attOff, gradXlOff, gradAttOff],
          [xrOff, gradOutOff, gradXrOff],
          [edgeOff, dropOff, alphaOff, gradEdgeOff],
          scratch,
        ) => {
          wasm[kernel](
            numDst,
            H,
            C,
            ptr,
            src,
            xlOff!,
            xrOff!,
            edgeOff!,
            attOff!,
            negativeSlope,
            dropOff!,
            alphaOff!,
            gradOutOff!,
            gradXlOff!,
            gradXrOff!,
            gradEdgeOff!,
            gradAttOff!,
            scratch,
            capacity,
            cached,
          );
        },
        widest,
      );
    if (!ran) gatv2AttentionBackwardReference(args, alpha, gradOut, outputs);
  };
}

export function createGatForward(
  wasm: WasmExports,
  arena: WasmArena,
  gatherMinSourceBytes = DEFAULT_GATHER_MIN_SOURCE_BYTES,
): GatForward {
  return (args, outputs) => {
    const {
      graph,
      heads: H,
      channels: C,
      x,
      scoreSrc,
      scoreDst,
      scoreEdge,
      negativeSlope,
      dropScale,
    } = args;
    const bias = args.bias ?? null;
    const { out, alpha } = outputs;
    const HC = H * C;
    const kernel = headsKernels(H, C) ? 'gatForwardHeads' : 'gatForward';
    const capacity = gatherCapacity(HC, graph.numSrc, gatherMinSourceBytes);
    const ran =
      isFloat32(x) &&
      isFloat32(scoreSrc) &&
      isFloat32(scoreDst) &&
      isFloat32(scoreEdge) &&
      isFloat32(dropScale) &&
      isFloat32(bias) &&
      isFloat32(out) &&
      isFloat32(alpha) &&
      HC > 0 &&
      negativeSlope <= 1 && // the kernels compute LeakyReLU as max(z, slope·z)
      runByTargets(
        arena,
        graph,
        [input(x, graph.numSrc * HC), input(scoreSrc, graph.numSrc * H), input(bias, HC)],
        [input(scoreDst, H), output(out, HC)],
        [input(scoreEdge, H), input(dropScale, H), output(alpha, H)],
        scratchBytes(H, C, capacity, 0),
        (
          numDst,
          ptr,
          src,
          [xOff, srcScoreOff, biasOff],
          [dstScoreOff, outOff],
          [edgeScoreOff, dropOff, alphaOff],
          scratch,
        ) => {
          wasm[kernel](
            numDst,
            H,
            C,
            ptr,
            src,
            xOff!,
            srcScoreOff!,
            dstScoreOff!,
            edgeScoreOff!,
            negativeSlope,
            dropOff!,
            biasOff!,
            outOff!,
            alphaOff!,
            scratch,
            capacity,
          );
        },
      );
    if (!ran) gatAttentionForwardReference(args, outputs);
  };
}

/** See createGatv2Backward for `cacheBytes`. */
export function createGatBackward(
  wasm: WasmExports,
  arena: WasmArena,
  gatherMinSourceBytes = DEFAULT_GATHER_MIN_SOURCE_BYTES,
  cacheBytes = CACHE_BYTES,
): GatBackward {
  return (args, alpha, gradOut, outputs) => {
    const {
      graph,
      heads: H,
      channels: C,
      x,
      scoreSrc,
      scoreDst,
      scoreEdge,
      negativeSlope,
      dropScale,
    } = args;
    const { gradX, gradScoreSrc, gradScoreDst, gradScoreEdge } = outputs;
    const HC = H * C;
    const kernel = headsKernels(H, C) ? 'gatBackwardHeads' : 'gatBackward';
    const capacity = gatherCapacity(HC, graph.numSrc, gatherMinSourceBytes);
    const widest = widestTarget(graph);
    const cached = cacheEdges(widest, H, cacheBytes);
    const ran =
      isFloat32(x) &&
      isFloat32(scoreSrc) &&
      isFloat32(scoreDst) &&
      isFloat32(scoreEdge) &&
      isFloat32(dropScale) &&
      isFloat32(alpha) &&
      isFloat32(gradOut) &&
      isFloat32(gradX) &&
      isFloat32(gradScoreSrc) &&
      isFloat32(gradScoreDst) &&
      isFloat32(gradScoreEdge) &&
      HC > 0 &&
      negativeSlope <= 1 && // the kernels compute LeakyReLU as max(z, slope·z)
      runByTargets(
        arena,
        graph,
        [
          input(x, graph.numSrc * HC),
          input(scoreSrc, graph.numSrc * H),
          update(gradX, graph.numSrc * HC),
          update(gradScoreSrc, graph.numSrc * H),
        ],
        [input(scoreDst, H), input(gradOut, HC), update(gradScoreDst, H)],
        [input(scoreEdge, H), input(dropScale, H), input(alpha, H), update(gradScoreEdge, H)],
        scratchBytes(H, C, capacity, cached),
        (
          numDst,
          ptr,
          src,
          [xOff, srcScoreOff, gradXOff, gradSrcScoreOff],
          [dstScoreOff, gradOutOff, gradDstScoreOff],
          [edgeScoreOff, dropOff, alphaOff, gradEdgeScoreOff],
          scratch,
        ) => {
          wasm[kernel](
            numDst,
            H,
            C,
            ptr,
            src,
            xOff!,
            srcScoreOff!,
            dstScoreOff!,
            edgeScoreOff!,
            negativeSlope,
            dropOff!,
            alphaOff!,
            gradOutOff!,
            gradXOff!,
            gradSrcScoreOff!,
            gradDstScoreOff!,
            gradEdgeScoreOff!,
            scratch,
            capacity,
            cached,
          );
        },
        widest,
      );
    if (!ran) gatAttentionBackwardReference(args, alpha, gradOut, outputs);
  };
}
