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
import type {
  CsrMatrix,
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
    }
  /** target += Σ sources, element-wise (sources have target's length). */
  | { readonly kind: 'addInto'; readonly target: Float32Array; readonly sources: Float32Array[] };

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

/** Runs one task on `kernels` (the worker's own table, or the main thread's base). */
export function runTask(kernels: Kernels, task: Task): void {
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
    case 'gatv2Backward':
      kernels.gatv2AttentionBackward(task.args, task.alpha, task.gradOut, task.outputs);
      return;
    case 'gatForward':
      kernels.gatAttentionForward(task.args, task.outputs);
      return;
    case 'gatBackward':
      kernels.gatAttentionBackward(task.args, task.alpha, task.gradOut, task.outputs);
      return;
    case 'addInto':
      addInto(task.target, task.sources);
      return;
    default:
      task satisfies never;
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
