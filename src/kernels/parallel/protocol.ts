/**
 * What the main thread asks a worker to do, and how the worker answers. Browser-safe: no
 * Node API here, so a Web Worker port can reuse it.
 *
 * Every typed array in a task is a view of a SharedArrayBuffer (structured cloning shares
 * it, copies nothing). The worker runs the task on its own kernel table, then stores the
 * task's sequence number into the first word of its control block and notifies it; the main
 * thread blocks on that word with Atomics.wait. A failure sets the second word and writes
 * the message (UTF-8) after the two words.
 */
import type { PoolStorage } from '../../tensor/pool.js';
import type { FloatArray } from '../../tensor/tensor.js';
import type { SimdChoice } from '../wasm/loader.js';
import type {
  AdamStepArgs,
  CsrMatrix,
  DropoutMask,
  GatAttentionArgs,
  GatBackwardOutputs,
  GatForwardOutputs,
  Gatv2AttentionArgs,
  Gatv2BackwardOutputs,
  Gatv2ForwardOutputs,
  GemmArgs,
  Kernels,
} from '../kernels.js';

export type Task =
  | { readonly kind: 'gemm'; readonly args: GemmArgs }
  | {
      readonly kind: 'spmm' | 'spmmTransposed';
      readonly a: CsrMatrix;
      readonly b: Float32Array;
      readonly n: number;
      readonly out: Float32Array;
      readonly accumulate: boolean;
    }
  | {
      readonly kind: 'gatv2Forward';
      readonly args: Gatv2AttentionArgs;
      readonly outputs: Gatv2ForwardOutputs;
    }
  | {
      readonly kind: 'gatv2Backward';
      readonly args: Gatv2AttentionArgs;
      readonly alpha: Float32Array;
      readonly gradOut: Float32Array;
      readonly outputs: Gatv2BackwardOutputs;
      /** Sum ∂L/∂x^l into this private buffer instead of outputs.gradXl (a placeholder). */
      readonly privateGradXl?: PrivateOutput;
    }
  | {
      readonly kind: 'gatForward';
      readonly args: GatAttentionArgs;
      readonly outputs: GatForwardOutputs;
    }
  | {
      readonly kind: 'gatBackward';
      readonly args: GatAttentionArgs;
      readonly alpha: Float32Array;
      readonly gradOut: Float32Array;
      readonly outputs: GatBackwardOutputs;
      /** Private buffers in place of outputs.gradX and outputs.gradScoreSrc (placeholders). */
      readonly privateGradX?: PrivateOutput;
      readonly privateGradScoreSrc?: PrivateOutput;
    }
  /** target[k] += private buffer `slot`[offset + k], for k < target.length. */
  | {
      readonly kind: 'addPrivate';
      readonly slot: number;
      readonly offset: number;
      readonly target: Float32Array;
    }
  /** target += Σ sources, element-wise (sources have target's length). */
  | { readonly kind: 'addInto'; readonly target: Float32Array; readonly sources: Float32Array[] }
  /** Writes zeros over target (faults in fresh memory, see freshShared in index.ts). */
  | { readonly kind: 'fill'; readonly target: Float32Array }
  /**
   * Elements [offset, offset + out.length) of a dropout whose x and out start at `offset`;
   * offset a multiple of DROPOUT_BLOCK (see dropoutRange).
   */
  | {
      readonly kind: 'dropout';
      readonly mask: DropoutMask;
      readonly offset: number;
      readonly x: Float32Array | null;
      readonly out: Float32Array;
    }
  | {
      readonly kind: 'elu';
      readonly x: Float32Array;
      readonly alpha: number;
      readonly out: Float32Array;
    }
  | {
      readonly kind: 'eluBackward';
      readonly x: Float32Array;
      readonly gradOut: Float32Array;
      readonly alpha: number;
      readonly gradX: Float32Array;
    }
  | {
      readonly kind: 'eluBackwardFromOutput';
      readonly x: Float32Array;
      readonly y: Float32Array;
      readonly gradOut: Float32Array;
      readonly alpha: number;
      readonly gradX: Float32Array;
    }
  /** Rows of x [rows, n] + v [n] into out. */
  | {
      readonly kind: 'addRowVector';
      readonly x: Float32Array;
      readonly v: Float32Array;
      readonly rows: number;
      readonly n: number;
      readonly out: Float32Array;
    }
  /** Column sums of rows of g [rows, n] into out [n] (a partial sum of the call's). */
  | {
      readonly kind: 'columnSums';
      readonly g: Float32Array;
      readonly rows: number;
      readonly n: number;
      readonly out: Float32Array;
    }
  | {
      readonly kind: 'headDot';
      readonly x: Float32Array;
      readonly att: Float32Array;
      readonly rows: number;
      readonly heads: number;
      readonly channels: number;
      readonly out: Float32Array;
    }
  /** Rows of headDotBackward; gradAtt is a partial sum of the call's. */
  | {
      readonly kind: 'headDotBackward';
      readonly x: Float32Array;
      readonly att: Float32Array;
      readonly gradOut: Float32Array;
      readonly rows: number;
      readonly heads: number;
      readonly channels: number;
      readonly gradX: Float32Array | null;
      readonly gradAtt: Float32Array | null;
    }
  | {
      readonly kind: 'adamStep';
      readonly args: AdamStepArgs;
      readonly param: Float32Array;
      readonly grad: Float32Array;
      readonly m: Float32Array;
      readonly v: Float32Array;
      readonly update: Float32Array | null;
    };

/**
 * A worker's private buffer for a backward's scattered source gradients: buffer `slot` of
 * `length` floats, in the worker's own memory (its kernels' pooled storage when they have
 * one, where they write it in place), zeroed before the task. An 'addPrivate' task adds it
 * into the shared result afterwards. Not being a SharedArrayBuffer, it costs no shared copy of
 * the gradient (a quarter of a gigabyte for GATv2's 8 × 8 layer on a million nodes).
 */
export interface PrivateOutput {
  readonly slot: number;
  readonly length: number;
}

/** A worker's private buffers (PrivateOutput), kept from call to call and reused. */
export class PrivateBuffers {
  private readonly buffers: Float32Array[] = [];
  private readonly stored = new Set<Float32Array>();

  /** `storage`: where to take buffers from (the worker's pooled storage), or null. */
  constructor(private readonly storage: PoolStorage | null) {}

  /** Buffer `slot`'s first `length` floats, zeroed. */
  zeroed(slot: number, length: number): Float32Array {
    const held = this.buffers[slot];
    if (held !== undefined && held.length >= length) {
      const view = held.subarray(0, length);
      view.fill(0);
      return view;
    }
    if (held !== undefined && this.stored.delete(held)) this.storage?.release(held);
    const fromStorage = this.storage?.allocate(length) ?? null;
    if (fromStorage !== null) this.stored.add(fromStorage);
    const fresh = fromStorage ?? new Float32Array(length);
    this.buffers[slot] = fresh;
    return fresh;
  }

  /** Buffer `slot` as the last task left it. */
  get(slot: number): Float32Array {
    const held = this.buffers[slot];
    if (held === undefined)
      throw new Error(`graphattn parallel kernels: no private buffer ${slot}`);
    return held;
  }
}

export interface TaskMessage {
  readonly seq: number;
  /** Filled with zeros before the task runs (private gradient buffers). */
  readonly zero: readonly Float32Array[];
  readonly task: Task;
}

/** Sent once by a worker when its kernels have loaded (or failed to). */
export interface ReadyMessage {
  readonly ready: true;
  readonly error: string | null;
}

/** Which kernels a worker loads. */
export type WorkerKernelsChoice = 'wasm' | 'reference';

export interface WorkerSetup {
  readonly control: SharedArrayBuffer;
  readonly kernels: WorkerKernelsChoice;
  /** Forwarded to loadWasmKernels (tests shrink it to exercise chunking). */
  readonly chunkBytes: number | null;
  /** Forwarded to loadWasmKernels: the build the main thread's kernels run. */
  readonly simd: SimdChoice;
}

/** Control block: [done seq, failed flag] as Int32, then the error message bytes. */
export const CONTROL_WORDS = 2;
export const CONTROL_ERROR_BYTES = 4096;
export const CONTROL_BYTES = CONTROL_WORDS * 4 + CONTROL_ERROR_BYTES;

export function isTaskMessage(message: unknown): message is TaskMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    'seq' in message &&
    'zero' in message &&
    'task' in message
  );
}

export function isReadyMessage(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && 'ready' in message;
}

/**
 * Runs one task on `kernels` (the worker's own table, or the main thread's base). Tasks with
 * private buffers need `buffers` (workers only).
 */
export function runTask(kernels: Kernels, task: Task, buffers: PrivateBuffers | null = null): void {
  const own = (p: PrivateOutput | undefined, placeholder: FloatArray): FloatArray => {
    if (p === undefined) return placeholder;
    if (buffers === null)
      throw new Error(
        `graphattn parallel kernels: ${task.kind} with a private buffer runs on a worker`,
      );
    return buffers.zeroed(p.slot, p.length);
  };
  switch (task.kind) {
    case 'gemm':
      kernels.gemm(task.args);
      return;
    case 'spmm':
      kernels.spmm(task.a, task.b, task.n, task.out, task.accumulate);
      return;
    case 'spmmTransposed':
      kernels.spmmTransposed(task.a, task.b, task.n, task.out, task.accumulate);
      return;
    case 'gatv2Forward':
      kernels.gatv2AttentionForward(task.args, task.outputs);
      return;
    case 'gatv2Backward': {
      const gradXl = own(task.privateGradXl, task.outputs.gradXl);
      kernels.gatv2AttentionBackward(task.args, task.alpha, task.gradOut, {
        ...task.outputs,
        gradXl,
      });
      return;
    }
    case 'gatForward':
      kernels.gatAttentionForward(task.args, task.outputs);
      return;
    case 'gatBackward': {
      const gradX = own(task.privateGradX, task.outputs.gradX);
      const gradScoreSrc = own(task.privateGradScoreSrc, task.outputs.gradScoreSrc);
      kernels.gatAttentionBackward(task.args, task.alpha, task.gradOut, {
        ...task.outputs,
        gradX,
        gradScoreSrc,
      });
      return;
    }
    case 'addPrivate': {
      if (buffers === null)
        throw new Error('graphattn parallel kernels: addPrivate runs on a worker');
      const { target, offset } = task;
      const n = target.length;
      kernels.addInto(target, buffers.get(task.slot).subarray(offset, offset + n), n);
      return;
    }
    case 'addInto':
      for (const source of task.sources) kernels.addInto(task.target, source, task.target.length);
      return;
    case 'fill':
      task.target.fill(0);
      return;
    case 'dropout':
      dropoutRange(kernels, task.mask, task.offset, task.x, task.out);
      return;
    case 'elu':
      kernels.elu(task.x, task.alpha, task.out, task.out.length);
      return;
    case 'eluBackward':
      kernels.eluBackward(task.x, task.gradOut, task.alpha, task.gradX, task.gradX.length);
      return;
    case 'eluBackwardFromOutput': {
      const { x, y, gradOut, alpha, gradX } = task;
      kernels.eluBackwardFromOutput(x, y, gradOut, alpha, gradX, gradX.length);
      return;
    }
    case 'addRowVector':
      kernels.addRowVector(task.x, task.v, task.rows, task.n, task.out);
      return;
    case 'columnSums':
      kernels.columnSums(task.g, task.rows, task.n, task.out);
      return;
    case 'headDot':
      kernels.headDot(task.x, task.att, task.rows, task.heads, task.channels, task.out);
      return;
    case 'headDotBackward': {
      const { x, att, gradOut, rows, heads, channels, gradX, gradAtt } = task;
      kernels.headDotBackward(x, att, gradOut, rows, heads, channels, gradX, gradAtt);
      return;
    }
    case 'adamStep': {
      const { args, param, grad, m, v, update } = task;
      kernels.adamStep(args, param, grad, m, v, update, param.length);
      return;
    }
    default:
      task satisfies never;
  }
}

/**
 * Dropout hashes the element index: element offset + k of a mask equals element k of the
 * mask with seedLo ^ offset when offset is a multiple of a power of two above k (then
 * offset + k = offset ^ k). So a range starting at a multiple of DROPOUT_BLOCK runs as
 * blocks of DROPOUT_BLOCK elements, each an ordinary dropout call from index 0.
 */
export const DROPOUT_BLOCK = 2 ** 16;

/** out[k] = dropout element offset + k of `mask` applied to x[k], for k < out.length. */
export function dropoutRange(
  kernels: Kernels,
  mask: DropoutMask,
  offset: number,
  x: Float32Array | null,
  out: Float32Array,
): void {
  if (offset % DROPOUT_BLOCK !== 0) {
    throw new RangeError(`dropoutRange: offset ${offset} is not a multiple of ${DROPOUT_BLOCK}`);
  }
  for (let s = 0; s < out.length; s += DROPOUT_BLOCK) {
    const e = Math.min(out.length, s + DROPOUT_BLOCK);
    const block: DropoutMask = { ...mask, seedLo: (mask.seedLo ^ (offset + s)) >>> 0 };
    kernels.dropout(block, x === null ? null : x.subarray(s, e), out.subarray(s, e), e - s);
  }
}

export function addInto(target: Float32Array, sources: readonly Float32Array[]): void {
  const n = target.length;
  for (const s of sources) {
    for (let i = 0; i < n; i++) target[i]! += s[i]!;
  }
}

/** Worker side: records the outcome of task `seq` and wakes the main thread. */
export function reportDone(control: SharedArrayBuffer, seq: number, error: string | null): void {
  const words = new Int32Array(control, 0, CONTROL_WORDS);
  if (error !== null) {
    const bytes = new TextEncoder().encode(error).subarray(0, CONTROL_ERROR_BYTES);
    new Uint8Array(control, CONTROL_WORDS * 4, CONTROL_ERROR_BYTES).set(bytes);
    Atomics.store(words, 1, bytes.length + 1);
  }
  Atomics.store(words, 0, seq);
  Atomics.notify(words, 0);
}

/**
 * Worker side: V8 does not count SharedArrayBuffers in the external memory that schedules its
 * garbage collections, and every task message brings fresh SharedArrayBuffer objects into the
 * worker, each keeping its (possibly huge) memory alive until the worker collects it — which a
 * worker that allocates almost nothing rarely does (measured: +1.5 GB over a few steps on 1M
 * nodes / 20M edges). So each large buffer a task brings gets an untouched ArrayBuffer of its
 * size, alive as long as the worker's object for it: it costs address space, not resident
 * memory, and lets V8 see what the worker holds.
 */
export class SharedBallast {
  private readonly ballast = new WeakMap<SharedArrayBuffer, ArrayBuffer>();

  constructor(private readonly minBytes: number) {}

  /** Weighs every large SharedArrayBuffer reachable from `value` (a task) once. */
  hold(value: unknown): void {
    if (ArrayBuffer.isView(value)) {
      const b = value.buffer;
      if (b instanceof SharedArrayBuffer && b.byteLength >= this.minBytes && !this.ballast.has(b)) {
        this.ballast.set(b, new ArrayBuffer(b.byteLength));
      }
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const v of Object.values(value)) this.hold(v);
  }
}

/** Buffers at least this large get a ballast (fresh mmap'd zero pages, never touched). */
export const BALLAST_MIN_BYTES = 32 * 2 ** 20;
