/**
 * Parallel kernels (Node): the main thread and N − 1 worker threads each run the base kernels
 * on a slice of a call, over shared memory:
 *
 *   const parallel = await createParallelKernels({ threads: 2, base: await loadWasmKernels() });
 *   setKernels(parallel);
 *   ...
 *   parallel.terminate();
 *
 * Splits: GEMM and SpMM by rows of the output (GEMM with a transposed A, the weight gradient
 * Xᵀ·G, by the shared dimension k instead, into per-thread partial products); attention by
 * ranges of targets balanced by their edges. Attention backward scatters into the source
 * gradients from every target, so each worker adds into a private zeroed buffer, which it
 * then adds into the caller's (shared) gradient itself: the buffer lives in the worker's own
 * memory, in place for its WebAssembly kernels, and needs no shared copy. When the caller's
 * gradient is not shared, the buffers are shared ones, summed into it by rows in parallel.
 * Element-wise kernels (ELU, dropout, bias add and column sums, addInto, headDot, Adam) by
 * ranges of elements or rows, only when every array they touch is already shared: staging a
 * copy would cost as much as the call. Results equal the base kernels' up to float32 rounding
 * (the order of additions differs); dropout's bits are identical (dropoutRange in protocol.ts).
 *
 * Data reaches the workers without copies when it lives in SharedArrayBuffers: while the
 * parallel kernels are active, float32 tensors (and int32 index arrays made by
 * `allocateInt32`) of at least SHARED_MIN_ELEMENTS are allocated there (tensor.ts
 * `setFloat32Allocator`, `setInt32Allocator`), their pages faulted in by writing zeros
 * (freshShared says why). Anything else a worker must see (small tensors,
 * graph index arrays, arrays made outside `allocate`) is copied into reusable shared staging
 * buffers per call; `stats()` counts those bytes.
 *
 * The workers block on nothing: each receives a task by postMessage, runs it on its own kernel
 * table (its own WebAssembly instance) and reports through a shared control word, on which
 * the main thread waits with Atomics.wait. float64 calls, calls below `minWork`
 * multiply-adds (`minElements` elements for element-wise ones) and shapes without a
 * contiguous split go to `base` on the main thread.
 *
 * The same design runs on Web Workers in a cross-origin-isolated page (protocol.ts is
 * browser-safe), except that a page's main thread may not block: there the parallel
 * kernels would have to run inside a worker themselves.
 */
import { Worker } from 'node:worker_threads';
import {
  type FloatArray,
  setFloat32Allocator,
  setInt32Allocator,
  type Float32Allocator,
  type Int32Allocator,
} from '../../tensor/tensor.js';
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
  TargetCsr,
} from '../kernels.js';
import { splitAligned, splitByEntries, splitEvenly } from './partition.js';
import {
  addInto,
  BALLAST_MIN_BYTES,
  CONTROL_BYTES,
  CONTROL_ERROR_BYTES,
  CONTROL_WORDS,
  DROPOUT_BLOCK,
  isReadyMessage,
  runTask,
  type Task,
  type TaskMessage,
  type WorkerKernelsChoice,
  type WorkerSetup,
} from './protocol.js';

export interface ParallelKernelOptions {
  /** Threads in all, the main thread included (1 runs everything on `base`). */
  readonly threads: number;
  /** The kernels of the main thread, and of every call that is not split. */
  readonly base: Kernels;
  /** What the workers load. Default: 'wasm' when base.name starts with 'wasm', else 'reference'. */
  readonly workerKernels?: WorkerKernelsChoice;
  /** The workers' WebAssembly chunk size (loadWasmKernels' chunkBytes); default theirs. */
  readonly chunkBytes?: number;
  /** Calls with fewer multiply-adds (estimated) run on `base` alone. Default 2^22. */
  readonly minWork?: number;
  /**
   * Element-wise calls (ELU, dropout, bias adds, column sums, Adam, ...) over fewer elements
   * run on `base` alone. Default 2^18, or minWork when that is smaller.
   */
  readonly minElements?: number;
  /** Allocate float32 tensors in shared memory while active (default true). */
  readonly sharedTensors?: boolean;
}

export interface ParallelKernelStats {
  /** Calls split across threads. */
  readonly parallelCalls: number;
  /** Calls handed whole to the base kernels. */
  readonly baseCalls: number;
  /** Bytes copied into shared staging buffers (inputs not already shared). */
  readonly stagedBytes: number;
}

export interface ParallelKernels extends Kernels {
  readonly threads: number;
  stats(): ParallelKernelStats;
  /**
   * Stops the workers and restores the previous tensor allocator. Later calls run on the
   * base kernels.
   */
  terminate(): void;
}

/** float32 tensors at least this long are allocated in shared memory (smaller are staged). */
export const SHARED_MIN_ELEMENTS = 4096;

const DEFAULT_MIN_WORK = 2 ** 22;
const DEFAULT_MIN_ELEMENTS = 2 ** 18;
/** Fresh shared arrays at least this long are prefaulted by all the threads. */
const PREFAULT_SPLIT_ELEMENTS = 2 ** 22;
/** Floats in a 4 KiB page. */
const PAGE_FLOATS = 1024;

/**
 * V8 counts ArrayBuffers, not SharedArrayBuffers, in the external memory that schedules its
 * garbage collections: without help, the shared tensors of finished training steps pile up
 * uncollected (measured: 9.4 GB peak instead of 6 GB on 1M nodes / 20M edges). Each large
 * shared tensor therefore carries a "ballast" ArrayBuffer of the same size, alive exactly as
 * long as the tensor (a WeakMap entry), never written: it costs address space, not resident
 * memory (allocations this large are fresh zero pages from mmap), and it lets V8 see the
 * tensor's size.
 */
const ballast = new WeakMap<Float32Array | Int32Array, ArrayBuffer>();

/**
 * A fresh shared buffer whose pages are faulted in by writing zeros over them (`prefault`).
 *
 * Why: the kernels read many outputs before writing them (gradients are "added into", so the
 * WebAssembly kernels copy them in, then out). Reading a never-touched page maps Linux's
 * shared zero page; the write that follows then replaces that mapping (copy on write), which
 * flushes the page from the TLB of every CPU running the process — an inter-processor
 * interrupt per 4 KiB page while a worker runs on the other core, that stalls both threads.
 * Measured here (2 vCPUs, a busy second thread): reading then writing 256 MiB of fresh memory
 * takes ~750 ms, against ~130 ms to write-fault it and ~50 ms to read and write it after.
 */
function freshShared<T extends Float32Array | Int32Array>(
  make: (buffer: SharedArrayBuffer) => T,
  length: number,
  prefault: (data: Float32Array) => void,
): T {
  const buffer = new SharedArrayBuffer(length * 4);
  prefault(new Float32Array(buffer));
  const data = make(buffer);
  if (length * 4 >= BALLAST_MIN_BYTES) ballast.set(data, new ArrayBuffer(length * 4));
  return data;
}

function sharedAllocators(prefault: (data: Float32Array) => void): {
  float32: Float32Allocator;
  int32: Int32Allocator;
} {
  return {
    float32: (length) =>
      length < SHARED_MIN_ELEMENTS
        ? new Float32Array(length)
        : freshShared((b) => new Float32Array(b), length, prefault),
    int32: (length) =>
      length < SHARED_MIN_ELEMENTS
        ? new Int32Array(length)
        : freshShared((b) => new Int32Array(b), length, prefault),
  };
}

function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** One worker thread and its control block. */
interface WorkerHandle {
  readonly worker: Worker;
  readonly control: SharedArrayBuffer;
  readonly words: Int32Array;
  seq: number;
}

type Job = Omit<TaskMessage, 'seq'>;

/** Stands in a task for an output the worker takes from its private buffers. */
const PLACEHOLDER = new Float32Array(0);

/**
 * Starts the worker thread: dist/…/worker-node.js when built; from the TypeScript sources
 * (tests, benchmarks under tsx) a worker does not inherit the tsx loader, so a small bootstrap
 * registers it first and then imports worker-node.ts.
 */
function spawnWorker(setup: WorkerSetup): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts'))
    return new Worker(new URL('./worker-node.js', here), { workerData: setup });
  const entry = new URL('./worker-node.ts', here).href;
  let tsxApi = 'tsx/esm/api';
  try {
    tsxApi = import.meta.resolve(tsxApi);
  } catch {
    // Resolved by the worker from the working directory instead.
  }
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: setup });
}

async function startWorker(setup: WorkerSetup): Promise<Worker> {
  const worker = spawnWorker(setup);
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number): void =>
      reject(new Error(`graphattn parallel kernels: a worker exited (code ${code}) while loading`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (message: unknown) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (isReadyMessage(message) && message.error === null) resolve();
      else {
        const why = isReadyMessage(message) ? message.error : 'an unexpected message';
        reject(new Error(`graphattn parallel kernels: a worker failed to load: ${why}`));
      }
    });
  });
  worker.unref();
  return worker;
}

/**
 * Shared buffers reused from call to call, grown on demand: staging copies of inputs that are
 * not shared, and the workers' private gradient buffers.
 */
class SharedScratch {
  private readonly buffers = new Map<string, SharedArrayBuffer>();

  private buffer(key: string, bytes: number): SharedArrayBuffer {
    let b = this.buffers.get(key);
    if (b === undefined || b.byteLength < bytes) {
      b = new SharedArrayBuffer(Math.max(16, bytes));
      this.buffers.set(key, b);
    }
    return b;
  }

  float32(key: string, length: number): Float32Array {
    return new Float32Array(this.buffer(key, length * 4), 0, length);
  }

  int32(key: string, length: number): Int32Array {
    return new Int32Array(this.buffer(key, length * 4), 0, length);
  }
}

/** The shared views of one call's arrays: the array itself when shared, else a staged copy. */
class Staging {
  private slot = 0;
  private readonly seen = new Map<ArrayBufferView, Float32Array | Int32Array>();
  stagedBytes = 0;

  constructor(private readonly scratch: SharedScratch) {}

  /** A shared view of `a`; a staged copy holds a's values when `copyIn`. */
  float32(a: Float32Array, copyIn = true): Float32Array {
    if (isShared(a)) return a;
    const known = this.seen.get(a);
    if (known instanceof Float32Array) return known;
    const staged = this.scratch.float32(`stage${this.slot++}`, a.length);
    if (copyIn) {
      staged.set(a);
      this.stagedBytes += a.byteLength;
    }
    this.seen.set(a, staged);
    return staged;
  }

  float32OrNull(a: Float32Array | null, copyIn = true): Float32Array | null {
    return a === null ? null : this.float32(a, copyIn);
  }

  int32(a: Int32Array): Int32Array {
    if (isShared(a)) return a;
    const known = this.seen.get(a);
    if (known instanceof Int32Array) return known;
    const staged = this.scratch.int32(`stage${this.slot++}`, a.length);
    staged.set(a);
    this.stagedBytes += a.byteLength;
    this.seen.set(a, staged);
    return staged;
  }
}

/** Copies elements [from, to) of `shared` back into `a` when `shared` is a staged copy of it. */
function copyBack(
  a: Float32Array | null,
  shared: Float32Array | null,
  from: number,
  to: number,
): void {
  if (a === null || shared === null || a === shared || to <= from) return;
  a.set(shared.subarray(from, to), from);
}

function f32(a: FloatArray): a is Float32Array {
  return a instanceof Float32Array;
}

function f32OrNull(a: FloatArray | null): a is Float32Array | null {
  return a === null || a instanceof Float32Array;
}

/** The graph restricted to targets t0..t1 (ptr keeps absolute slots, src stays whole). */
function subGraph(
  graph: TargetCsr,
  ptr: Int32Array,
  src: Int32Array,
  t0: number,
  t1: number,
): TargetCsr {
  return { numSrc: graph.numSrc, numDst: t1 - t0, ptr: ptr.subarray(t0, t1 + 1), src };
}

function rows<T extends Float32Array | null>(a: T, r0: number, r1: number, width: number): T;
function rows(a: Float32Array | null, r0: number, r1: number, width: number): Float32Array | null {
  return a === null ? null : a.subarray(r0 * width, r1 * width);
}

function checkThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`createParallelKernels: threads must be an integer ≥ 1, found ${threads}`);
  }
}

export async function createParallelKernels(
  options: ParallelKernelOptions,
): Promise<ParallelKernels> {
  const { threads, base } = options;
  checkThreads(threads);
  const minWork = options.minWork ?? DEFAULT_MIN_WORK;
  const minElements = options.minElements ?? Math.min(DEFAULT_MIN_ELEMENTS, minWork);
  const workerKernels =
    options.workerKernels ?? (base.name.startsWith('wasm') ? 'wasm' : 'reference');
  const handles: WorkerHandle[] = [];
  try {
    for (let w = 1; w < threads; w++) {
      const control = new SharedArrayBuffer(CONTROL_BYTES);
      const setup: WorkerSetup = {
        control,
        kernels: workerKernels,
        chunkBytes: options.chunkBytes ?? null,
        // The base's build, so that a call gives the same floats whether it is split or not.
        simd:
          base.name === 'wasm-simd'
            ? 'plain'
            : base.name === 'wasm-relaxed-simd'
              ? 'relaxed'
              : 'auto',
      };
      handles.push({
        worker: await startWorker(setup),
        control,
        words: new Int32Array(control, 0, CONTROL_WORDS),
        seq: 0,
      });
    }
  } catch (e) {
    for (const h of handles) void h.worker.terminate();
    throw e;
  }
  const share = threads > 1 && (options.sharedTensors ?? true);
  const scratch = new SharedScratch();
  let parallelCalls = 0;
  let baseCalls = 0;
  let stagedBytes = 0;
  let terminated = false;

  /**
   * Posts jobs[w − 1] to worker w (null: none), runs `local` on this thread, then waits for
   * every posted job. Errors (a worker's or local's) are thrown once all have finished.
   */
  const run = (jobs: readonly (Job | null)[], local: () => void): void => {
    const posted: WorkerHandle[] = [];
    jobs.forEach((job, i) => {
      const h = handles[i];
      if (job === null || h === undefined) return;
      h.seq = (h.seq + 1) | 0;
      const message: TaskMessage = { seq: h.seq, zero: job.zero, task: job.task };
      h.worker.postMessage(message);
      posted.push(h);
    });
    let failure: Error | null = null;
    try {
      local();
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
    for (const h of posted) {
      for (;;) {
        const done = Atomics.load(h.words, 0);
        if (done === h.seq) break;
        Atomics.wait(h.words, 0, done);
      }
      const errorLength = Atomics.load(h.words, 1);
      if (errorLength !== 0) {
        const bytes = new Uint8Array(errorLength - 1);
        bytes.set(
          new Uint8Array(
            h.control,
            CONTROL_WORDS * 4,
            Math.min(errorLength - 1, CONTROL_ERROR_BYTES),
          ),
        );
        Atomics.store(h.words, 1, 0);
        failure ??= new Error(
          `graphattn parallel kernels: a worker failed: ${new TextDecoder().decode(bytes)}`,
        );
      }
    }
    if (failure !== null) throw failure;
  };

  /** Writes zeros over `data` (fresh memory), large arrays split across the threads. */
  const prefault = (data: Float32Array): void => {
    if (handles.length === 0 || data.length < PREFAULT_SPLIT_ELEMENTS) {
      data.fill(0);
      return;
    }
    const bounds = splitAligned(data.length, threads, PAGE_FLOATS);
    run(
      handles.map((_, w) => {
        const from = bounds[w + 1]!;
        const to = bounds[w + 2]!;
        return from === to
          ? null
          : { zero: [], task: { kind: 'fill', target: data.subarray(from, to) } };
      }),
      () => data.fill(0, 0, bounds[1]),
    );
  };
  const allocators = sharedAllocators(prefault);
  const previousAllocator = share ? setFloat32Allocator(allocators.float32) : undefined;
  const previousInt32Allocator = share ? setInt32Allocator(allocators.int32) : undefined;

  const staging = (): Staging => new Staging(scratch);
  const finish = (s: Staging): void => {
    parallelCalls++;
    stagedBytes += s.stagedBytes;
  };

  /** target += Σ sources, split by rows of `width` across the threads when target is shared. */
  const reduceInto = (
    target: Float32Array,
    sources: readonly Float32Array[],
    count: number,
    width: number,
  ): void => {
    if (sources.length === 0) return;
    if (!isShared(target) || count * width * sources.length < minWork) {
      for (const source of sources) base.addInto(target, source, count * width);
      return;
    }
    const bounds = splitEvenly(count, threads);
    const part = (p: number): Task => ({
      kind: 'addInto',
      target: rows(target, bounds[p]!, bounds[p + 1]!, width),
      sources: sources.map((s) => rows(s, bounds[p]!, bounds[p + 1]!, width)),
    });
    run(
      handles.map((_, w) =>
        bounds[w + 1] === bounds[w + 2] ? null : { zero: [], task: part(w + 1) },
      ),
      () => runTask(base, part(0)),
    );
  };

  /**
   * target += the private buffer `slot` of each worker in `workers` (all of target's length):
   * the buffers live in the workers' own memory, so each worker adds its own. Rounds of
   * disjoint blocks, worker i taking block (i + round) mod W, so that no two add into the
   * same block at once.
   */
  const addPrivates = (target: Float32Array, slot: number, workers: readonly number[]): void => {
    const W = workers.length;
    if (W === 0) return;
    const bounds = splitEvenly(target.length, W);
    for (let round = 0; round < W; round++) {
      run(
        handles.map((_, w): Job | null => {
          const i = workers.indexOf(w);
          if (i < 0) return null;
          const b = (i + round) % W;
          const lo = bounds[b]!;
          const hi = bounds[b + 1]!;
          if (lo === hi) return null;
          return {
            zero: [],
            task: { kind: 'addPrivate', slot, offset: lo, target: target.subarray(lo, hi) },
          };
        }),
        () => undefined,
      );
    }
  };

  /**
   * Element-wise splits. The arrays must all be shared already (a staged copy would cost as
   * much as the call): `splitOrNull` returns null, the call then running on base, when they
   * are not, when any is float64 or the call is small. Otherwise it returns boundaries of
   * `threads` ranges of 0..count (multiples of `align` but the last).
   */
  const splitOrNull = (
    count: number,
    elements: number,
    arrays: readonly (FloatArray | null)[],
    align = 1,
  ): number[] | null => {
    if (
      handles.length === 0 ||
      elements < minElements ||
      count < 2 ||
      !arrays.every((a) => a === null || (a instanceof Float32Array && isShared(a)))
    ) {
      baseCalls++;
      return null;
    }
    parallelCalls++;
    return splitAligned(count, threads, align);
  };

  /** Runs part(p, from, to) for range p of `bounds`: range 0 here, range w on worker w. */
  const runParts = (bounds: readonly number[], part: (from: number, to: number) => Task): void => {
    run(
      handles.map((_, w) => {
        const from = bounds[w + 1]!;
        const to = bounds[w + 2]!;
        return from === to ? null : { zero: [], task: part(from, to) };
      }),
      () => {
        if (bounds[1]! > 0) runTask(base, part(0, bounds[1]!));
      },
    );
  };

  /** Ranges of elements whose workers' partial sums of width n go to scratch, then into out. */
  const sumPartials = (out: Float32Array, partials: readonly Float32Array[], n: number): void => {
    for (const p of partials) for (let c = 0; c < n; c++) out[c]! += p[c]!;
  };

  const dropout = (
    mask: DropoutMask,
    x: FloatArray | null,
    out: FloatArray,
    length: number,
  ): void => {
    const bounds = splitOrNull(length, length, [x, out], DROPOUT_BLOCK);
    if (bounds === null || !f32OrNull(x) || !f32(out)) {
      base.dropout(mask, x, out, length);
      return;
    }
    runParts(bounds, (from, to) => ({
      kind: 'dropout',
      mask,
      offset: from,
      x: x === null ? null : x.subarray(from, to),
      out: out.subarray(from, to),
    }));
  };

  const elu = (x: FloatArray, alpha: number, out: FloatArray, length: number): void => {
    const bounds = splitOrNull(length, length, [x, out]);
    if (bounds === null || !f32(x) || !f32(out)) {
      base.elu(x, alpha, out, length);
      return;
    }
    runParts(bounds, (from, to) => ({
      kind: 'elu',
      x: x.subarray(from, to),
      alpha,
      out: out.subarray(from, to),
    }));
  };

  const eluBackward = (
    x: FloatArray,
    gradOut: FloatArray,
    alpha: number,
    gradX: FloatArray,
    length: number,
  ): void => {
    const bounds = splitOrNull(length, length, [x, gradOut, gradX]);
    if (bounds === null || !f32(x) || !f32(gradOut) || !f32(gradX)) {
      base.eluBackward(x, gradOut, alpha, gradX, length);
      return;
    }
    runParts(bounds, (from, to) => ({
      kind: 'eluBackward',
      x: x.subarray(from, to),
      gradOut: gradOut.subarray(from, to),
      alpha,
      gradX: gradX.subarray(from, to),
    }));
  };

  const eluBackwardFromOutput = (
    x: FloatArray,
    y: FloatArray,
    gradOut: FloatArray,
    alpha: number,
    gradX: FloatArray,
    length: number,
  ): void => {
    const bounds = splitOrNull(length, length, [x, y, gradOut, gradX]);
    if (bounds === null || !f32(x) || !f32(y) || !f32(gradOut) || !f32(gradX)) {
      base.eluBackwardFromOutput(x, y, gradOut, alpha, gradX, length);
      return;
    }
    runParts(bounds, (from, to) => ({
      kind: 'eluBackwardFromOutput',
      x: x.subarray(from, to),
      y: y.subarray(from, to),
      gradOut: gradOut.subarray(from, to),
      alpha,
      gradX: gradX.subarray(from, to),
    }));
  };

  const addIntoKernel = (target: FloatArray, source: FloatArray, length: number): void => {
    const bounds = splitOrNull(length, length, [target, source]);
    if (bounds === null || !f32(target) || !f32(source)) {
      base.addInto(target, source, length);
      return;
    }
    runParts(bounds, (from, to) => ({
      kind: 'addInto',
      target: target.subarray(from, to),
      sources: [source.subarray(from, to)],
    }));
  };

  const addRowVector = (
    x: FloatArray,
    v: FloatArray,
    rowCount: number,
    n: number,
    out: FloatArray,
  ): void => {
    const bounds = splitOrNull(rowCount, rowCount * n, [x, out]);
    if (bounds === null || !f32(x) || !f32(v) || !f32(out)) {
      base.addRowVector(x, v, rowCount, n, out);
      return;
    }
    const s = staging();
    const sv = s.float32(v.subarray(0, n));
    runParts(bounds, (from, to) => ({
      kind: 'addRowVector',
      x: rows(x, from, to, n),
      v: sv,
      rows: to - from,
      n,
      out: rows(out, from, to, n),
    }));
    stagedBytes += s.stagedBytes;
  };

  const columnSums = (g: FloatArray, rowCount: number, n: number, out: FloatArray): void => {
    const bounds = splitOrNull(rowCount, rowCount * n, [g]);
    if (bounds === null || !f32(g) || !f32(out)) {
      base.columnSums(g, rowCount, n, out);
      return;
    }
    const partials: Float32Array[] = [];
    run(
      handles.map((_, w): Job | null => {
        const from = bounds[w + 1]!;
        const to = bounds[w + 2]!;
        if (from === to) return null;
        const partial = scratch.float32(`partial${w}`, n);
        partials.push(partial);
        return {
          zero: [],
          task: { kind: 'columnSums', g: rows(g, from, to, n), rows: to - from, n, out: partial },
        };
      }),
      () => base.columnSums(g, bounds[1]!, n, out),
    );
    sumPartials(out, partials, n);
  };

  const headDot = (
    x: FloatArray,
    att: FloatArray,
    rowCount: number,
    heads: number,
    channels: number,
    out: FloatArray,
  ): void => {
    const HC = heads * channels;
    const bounds = splitOrNull(rowCount, rowCount * HC, [x, out]);
    if (bounds === null || !f32(x) || !f32(att) || !f32(out)) {
      base.headDot(x, att, rowCount, heads, channels, out);
      return;
    }
    const s = staging();
    const sAtt = s.float32(att.subarray(0, HC));
    runParts(bounds, (from, to) => ({
      kind: 'headDot',
      x: rows(x, from, to, HC),
      att: sAtt,
      rows: to - from,
      heads,
      channels,
      out: rows(out, from, to, heads),
    }));
    stagedBytes += s.stagedBytes;
  };

  const headDotBackward = (
    x: FloatArray,
    att: FloatArray,
    gradOut: FloatArray,
    rowCount: number,
    heads: number,
    channels: number,
    gradX: FloatArray | null,
    gradAtt: FloatArray | null,
  ): void => {
    const HC = heads * channels;
    const bounds =
      f32(att) && f32OrNull(gradAtt)
        ? splitOrNull(rowCount, rowCount * HC, [x, gradOut, gradX])
        : null;
    if (bounds === null || !f32(x) || !f32(att) || !f32(gradOut)) {
      if (bounds === null && !(f32(att) && f32OrNull(gradAtt))) baseCalls++;
      base.headDotBackward(x, att, gradOut, rowCount, heads, channels, gradX, gradAtt);
      return;
    }
    if (!f32OrNull(gradX) || !f32OrNull(gradAtt)) {
      base.headDotBackward(x, att, gradOut, rowCount, heads, channels, gradX, gradAtt);
      return;
    }
    const s = staging();
    const sAtt = s.float32(att.subarray(0, HC));
    const partials: Float32Array[] = [];
    run(
      handles.map((_, w): Job | null => {
        const from = bounds[w + 1]!;
        const to = bounds[w + 2]!;
        if (from === to) return null;
        const partial = gradAtt === null ? null : scratch.float32(`partial${w}`, HC);
        if (partial !== null) partials.push(partial);
        const task: Task = {
          kind: 'headDotBackward',
          x: rows(x, from, to, HC),
          att: sAtt,
          gradOut: rows(gradOut, from, to, heads),
          rows: to - from,
          heads,
          channels,
          gradX: rows(gradX, from, to, HC),
          gradAtt: partial,
        };
        return { zero: [], task };
      }),
      () => base.headDotBackward(x, att, gradOut, bounds[1]!, heads, channels, gradX, gradAtt),
    );
    if (gradAtt !== null) sumPartials(gradAtt, partials, HC);
    stagedBytes += s.stagedBytes;
  };

  const adamStep = (
    args: AdamStepArgs,
    param: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
    update: FloatArray | null,
    length: number,
  ): void => {
    const bounds = splitOrNull(length, length, [param, grad, m, v, update]);
    if (bounds === null || !(f32(param) && f32(grad) && f32(m) && f32(v) && f32OrNull(update))) {
      base.adamStep(args, param, grad, m, v, update, length);
      return;
    }
    runParts(bounds, (from, to) => ({
      kind: 'adamStep',
      args,
      param: param.subarray(from, to),
      grad: grad.subarray(from, to),
      m: m.subarray(from, to),
      v: v.subarray(from, to),
      update: update === null ? null : update.subarray(from, to),
    }));
  };

  const gemm = (args: GemmArgs): void => {
    const { transA, transB, m, n, k, a, b, out, accumulate } = args;
    if (
      handles.length === 0 ||
      !(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) ||
      m * n * k < minWork ||
      (transA && transB)
    ) {
      baseCalls++;
      base.gemm(args);
      return;
    }
    const s = staging();
    const sa = s.float32(a);
    const sb = s.float32(b);
    if (!transA) {
      // Rows of A [m, k] and of out [m, n]; B whole.
      const bounds = splitEvenly(m, threads);
      const sout = s.float32(out, accumulate);
      const part = (p: number, aa: Float32Array, bb: Float32Array, oo: Float32Array): GemmArgs => ({
        transA,
        transB,
        m: bounds[p + 1]! - bounds[p]!,
        n,
        k,
        a: rows(aa, bounds[p]!, bounds[p + 1]!, k),
        b: bb,
        out: rows(oo, bounds[p]!, bounds[p + 1]!, n),
        accumulate,
      });
      run(
        handles.map((_, w) =>
          bounds[w + 1] === bounds[w + 2]
            ? null
            : { zero: [], task: { kind: 'gemm', args: part(w + 1, sa, sb, sout) } },
        ),
        () => base.gemm(part(0, a, b, out)),
      );
      copyBack(out, sout, bounds[1]! * n, m * n);
      finish(s);
      return;
    }
    // A stored [k, m], B stored [k, n]: ranges of k give partial products, summed into out.
    const bounds = splitEvenly(k, threads);
    const partials: Float32Array[] = [];
    const jobs = handles.map((_, w): Job | null => {
      const k0 = bounds[w + 1]!;
      const k1 = bounds[w + 2]!;
      if (k0 === k1) return null;
      const partial = scratch.float32(`partial${w}`, m * n);
      partials.push(partial);
      const task: Task = {
        kind: 'gemm',
        args: {
          transA,
          transB,
          m,
          n,
          k: k1 - k0,
          a: rows(sa, k0, k1, m),
          b: rows(sb, k0, k1, n),
          out: partial,
          accumulate: false,
        },
      };
      return { zero: [], task };
    });
    run(jobs, () =>
      base.gemm({
        ...args,
        k: bounds[1]!,
        a: a.subarray(0, bounds[1]! * m),
        b: b.subarray(0, bounds[1]! * n),
      }),
    );
    reduceInto(out, partials, m, n);
    finish(s);
  };

  const spmmLike =
    (transposed: boolean) =>
    (
      a: CsrMatrix,
      b: Float32Array | Float64Array,
      n: number,
      out: Float32Array | Float64Array,
      accumulate: boolean,
    ): void => {
      const { values, rowPtr } = a;
      if (
        handles.length === 0 ||
        !(
          values instanceof Float32Array &&
          b instanceof Float32Array &&
          out instanceof Float32Array
        ) ||
        (rowPtr[a.rows]! - rowPtr[0]!) * n < minWork
      ) {
        baseCalls++;
        if (transposed) base.spmmTransposed(a, b, n, out, accumulate);
        else base.spmm(a, b, n, out, accumulate);
        return;
      }
      const s = staging();
      const shared: CsrMatrix = {
        ...a,
        rowPtr: s.int32(rowPtr),
        colIdx: s.int32(a.colIdx),
        values: s.float32(values),
      };
      const sb = s.float32(b);
      const bounds = splitByEntries(a.rows, rowPtr, threads, 1);
      const sub = (m: CsrMatrix, p: number): CsrMatrix => ({
        ...m,
        rows: bounds[p + 1]! - bounds[p]!,
        rowPtr: m.rowPtr.subarray(bounds[p], bounds[p + 1]! + 1),
      });
      if (!transposed) {
        // Rows of A and of out [rows, n]; B [cols, n] whole.
        const sout = s.float32(out, accumulate);
        run(
          handles.map((_, w) =>
            bounds[w + 1] === bounds[w + 2]
              ? null
              : {
                  zero: [],
                  task: {
                    kind: 'spmm',
                    a: sub(shared, w + 1),
                    b: sb,
                    n,
                    out: rows(sout, bounds[w + 1]!, bounds[w + 2]!, n),
                    accumulate,
                  },
                },
          ),
          () => base.spmm(sub(a, 0), b, n, rows(out, 0, bounds[1]!, n), accumulate),
        );
        copyBack(out, sout, bounds[1]! * n, a.rows * n);
        finish(s);
        return;
      }
      // Aᵀ B: rows of A and B [rows, n] scatter into out [cols, n]; workers into partials.
      const partials: Float32Array[] = [];
      const jobs = handles.map((_, w): Job | null => {
        if (bounds[w + 1] === bounds[w + 2]) return null;
        const partial = scratch.float32(`partial${w}`, a.cols * n);
        partials.push(partial);
        return {
          zero: [],
          task: {
            kind: 'spmmTransposed',
            a: sub(shared, w + 1),
            b: rows(sb, bounds[w + 1]!, bounds[w + 2]!, n),
            n,
            out: partial,
            accumulate: false,
          },
        };
      });
      run(jobs, () =>
        base.spmmTransposed(sub(a, 0), rows(b, 0, bounds[1]!, n), n, out, accumulate),
      );
      reduceInto(out, partials, a.cols, n);
      finish(s);
    };

  /** Target ranges of an attention call, or null when it should run on base alone. */
  const attentionBounds = (graph: TargetCsr, width: number, ok: boolean): number[] | null => {
    const E = graph.ptr[graph.numDst]! - graph.ptr[0]!;
    if (handles.length === 0 || !ok || (E + graph.numDst) * width * 2 < minWork) {
      baseCalls++;
      return null;
    }
    return splitByEntries(graph.numDst, graph.ptr, threads, 1);
  };

  const gatv2AttentionForward = (args: Gatv2AttentionArgs, outputs: Gatv2ForwardOutputs): void => {
    const { graph, heads: H, channels: C, xl, xr, edge, att, dropScale } = args;
    const bias = args.bias ?? null;
    const { out, alpha } = outputs;
    const HC = H * C;
    const bounds = attentionBounds(
      graph,
      HC,
      f32(xl) && f32(xr) && f32OrNull(edge) && f32(att) && f32OrNull(dropScale) && f32OrNull(bias),
    );
    if (
      bounds === null ||
      !(f32(xl) && f32(xr) && f32OrNull(edge) && f32(att) && f32OrNull(dropScale)) ||
      !(f32(out) && f32(alpha) && f32OrNull(bias))
    ) {
      base.gatv2AttentionForward(args, outputs);
      return;
    }
    const s = staging();
    const ptr = s.int32(graph.ptr);
    const src = s.int32(graph.src);
    const sXl = s.float32(xl);
    const sXr = s.float32(xr);
    const sEdge = s.float32OrNull(edge);
    const sAtt = s.float32(att);
    const sDrop = s.float32OrNull(dropScale);
    const sBias = s.float32OrNull(bias);
    const sOut = s.float32(out, false);
    const sAlpha = s.float32(alpha, false);
    const jobs = handles.map((_, w): Job | null => {
      const t0 = bounds[w + 1]!;
      const t1 = bounds[w + 2]!;
      if (t0 === t1) return null;
      const task: Task = {
        kind: 'gatv2Forward',
        args: {
          ...args,
          graph: subGraph(graph, ptr, src, t0, t1),
          xl: sXl,
          xr: rows(sXr, t0, t1, HC),
          edge: sEdge,
          att: sAtt,
          dropScale: sDrop,
          bias: sBias,
        },
        outputs: { out: rows(sOut, t0, t1, HC), alpha: sAlpha },
      };
      return { zero: [], task };
    });
    const t1 = bounds[1]!;
    run(jobs, () =>
      base.gatv2AttentionForward(
        { ...args, graph: subGraph(graph, graph.ptr, graph.src, 0, t1), xr: rows(xr, 0, t1, HC) },
        { out: rows(out, 0, t1, HC), alpha },
      ),
    );
    copyBack(out, sOut, t1 * HC, graph.numDst * HC);
    copyBack(alpha, sAlpha, graph.ptr[t1]! * H, graph.ptr[graph.numDst]! * H);
    finish(s);
  };

  const gatv2AttentionBackward = (
    args: Gatv2AttentionArgs,
    alpha: FloatArray,
    gradOut: FloatArray,
    outputs: Gatv2BackwardOutputs,
  ): void => {
    const { graph, heads: H, channels: C, xl, xr, edge, att, dropScale } = args;
    const { gradXl, gradXr, gradEdge, gradAtt } = outputs;
    const HC = H * C;
    const ok =
      f32(xl) &&
      f32(xr) &&
      f32OrNull(edge) &&
      f32(att) &&
      f32OrNull(dropScale) &&
      f32(alpha) &&
      f32(gradOut) &&
      f32(gradXl) &&
      f32(gradXr) &&
      f32OrNull(gradEdge) &&
      f32(gradAtt);
    const bounds = attentionBounds(graph, 2 * HC, ok);
    if (
      bounds === null ||
      !(f32(xl) && f32(xr) && f32OrNull(edge) && f32(att) && f32OrNull(dropScale)) ||
      !(f32(alpha) && f32(gradOut) && f32(gradXl) && f32(gradXr) && f32OrNull(gradEdge)) ||
      !f32(gradAtt)
    ) {
      base.gatv2AttentionBackward(args, alpha, gradOut, outputs);
      return;
    }
    const { numSrc, numDst } = graph;
    const s = staging();
    const ptr = s.int32(graph.ptr);
    const src = s.int32(graph.src);
    const sXl = s.float32(xl);
    const sXr = s.float32(xr);
    const sEdge = s.float32OrNull(edge);
    const sAtt = s.float32(att);
    const sDrop = s.float32OrNull(dropScale);
    const sAlpha = s.float32(alpha);
    const sGradOut = s.float32(gradOut);
    const sGradXr = s.float32(gradXr);
    const sGradEdge = s.float32OrNull(gradEdge);
    // Each worker sums ∂L/∂x^l over its targets' edges into a private buffer: in its own
    // memory when gradXl is shared (the worker then adds it in), else in shared memory.
    const ownBuffers = isShared(gradXl);
    const privateXl: Float32Array[] = [];
    const privateAtt: Float32Array[] = [];
    const ran: number[] = [];
    const jobs = handles.map((_, w): Job | null => {
      const t0 = bounds[w + 1]!;
      const t1 = bounds[w + 2]!;
      if (t0 === t1) return null;
      const pXl = ownBuffers ? PLACEHOLDER : scratch.float32(`gradSrc${w}`, numSrc * HC);
      const pAtt = scratch.float32(`gradAtt${w}`, HC);
      if (!ownBuffers) privateXl.push(pXl);
      privateAtt.push(pAtt);
      ran.push(w);
      const task: Task = {
        kind: 'gatv2Backward',
        args: {
          ...args,
          graph: subGraph(graph, ptr, src, t0, t1),
          xl: sXl,
          xr: rows(sXr, t0, t1, HC),
          edge: sEdge,
          att: sAtt,
          dropScale: sDrop,
          bias: null, // forward only: not sent to the worker
        },
        alpha: sAlpha,
        gradOut: rows(sGradOut, t0, t1, HC),
        outputs: {
          gradXl: pXl,
          gradXr: rows(sGradXr, t0, t1, HC),
          gradEdge: sGradEdge,
          gradAtt: pAtt,
        },
        ...(ownBuffers ? { privateGradXl: { slot: 0, length: numSrc * HC } } : {}),
      };
      return { zero: ownBuffers ? [pAtt] : [pXl, pAtt], task };
    });
    const t1 = bounds[1]!;
    run(jobs, () =>
      base.gatv2AttentionBackward(
        { ...args, graph: subGraph(graph, graph.ptr, graph.src, 0, t1), xr: rows(xr, 0, t1, HC) },
        alpha,
        rows(gradOut, 0, t1, HC),
        { gradXl, gradXr: rows(gradXr, 0, t1, HC), gradEdge, gradAtt },
      ),
    );
    copyBack(gradXr, sGradXr, t1 * HC, numDst * HC);
    copyBack(gradEdge, sGradEdge, graph.ptr[t1]! * HC, graph.ptr[numDst]! * HC);
    addInto(gradAtt.subarray(0, HC), privateAtt);
    if (ownBuffers) addPrivates(gradXl.subarray(0, numSrc * HC), 0, ran);
    else reduceInto(gradXl, privateXl, numSrc, HC);
    finish(s);
  };

  const gatAttentionForward = (args: GatAttentionArgs, outputs: GatForwardOutputs): void => {
    const { graph, heads: H, channels: C, x, scoreSrc, scoreDst, scoreEdge, dropScale } = args;
    const bias = args.bias ?? null;
    const { out, alpha } = outputs;
    const HC = H * C;
    const ok =
      f32(x) &&
      f32(scoreSrc) &&
      f32(scoreDst) &&
      f32OrNull(scoreEdge) &&
      f32OrNull(dropScale) &&
      f32OrNull(bias) &&
      f32(out) &&
      f32(alpha);
    const bounds = attentionBounds(graph, HC, ok);
    if (
      bounds === null ||
      !(f32(x) && f32(scoreSrc) && f32(scoreDst) && f32OrNull(scoreEdge)) ||
      !(f32OrNull(dropScale) && f32OrNull(bias) && f32(out) && f32(alpha))
    ) {
      base.gatAttentionForward(args, outputs);
      return;
    }
    const s = staging();
    const ptr = s.int32(graph.ptr);
    const src = s.int32(graph.src);
    const sX = s.float32(x);
    const sScoreSrc = s.float32(scoreSrc);
    const sScoreDst = s.float32(scoreDst);
    const sScoreEdge = s.float32OrNull(scoreEdge);
    const sDrop = s.float32OrNull(dropScale);
    const sBias = s.float32OrNull(bias);
    const sOut = s.float32(out, false);
    const sAlpha = s.float32(alpha, false);
    const jobs = handles.map((_, w): Job | null => {
      const t0 = bounds[w + 1]!;
      const t1 = bounds[w + 2]!;
      if (t0 === t1) return null;
      const task: Task = {
        kind: 'gatForward',
        args: {
          ...args,
          graph: subGraph(graph, ptr, src, t0, t1),
          x: sX,
          scoreSrc: sScoreSrc,
          scoreDst: rows(sScoreDst, t0, t1, H),
          scoreEdge: sScoreEdge,
          dropScale: sDrop,
          bias: sBias,
        },
        outputs: { out: rows(sOut, t0, t1, HC), alpha: sAlpha },
      };
      return { zero: [], task };
    });
    const t1 = bounds[1]!;
    run(jobs, () =>
      base.gatAttentionForward(
        {
          ...args,
          graph: subGraph(graph, graph.ptr, graph.src, 0, t1),
          scoreDst: rows(scoreDst, 0, t1, H),
        },
        { out: rows(out, 0, t1, HC), alpha },
      ),
    );
    copyBack(out, sOut, t1 * HC, graph.numDst * HC);
    copyBack(alpha, sAlpha, graph.ptr[t1]! * H, graph.ptr[graph.numDst]! * H);
    finish(s);
  };

  const gatAttentionBackward = (
    args: GatAttentionArgs,
    alpha: FloatArray,
    gradOut: FloatArray,
    outputs: GatBackwardOutputs,
  ): void => {
    const { graph, heads: H, channels: C, x, scoreSrc, scoreDst, scoreEdge, dropScale } = args;
    const { gradX, gradScoreSrc, gradScoreDst, gradScoreEdge } = outputs;
    const HC = H * C;
    const ok =
      f32(x) &&
      f32(scoreSrc) &&
      f32(scoreDst) &&
      f32OrNull(scoreEdge) &&
      f32OrNull(dropScale) &&
      f32(alpha) &&
      f32(gradOut) &&
      f32(gradX) &&
      f32(gradScoreSrc) &&
      f32(gradScoreDst) &&
      f32OrNull(gradScoreEdge);
    const bounds = attentionBounds(graph, 2 * HC, ok);
    if (
      bounds === null ||
      !(f32(x) && f32(scoreSrc) && f32(scoreDst) && f32OrNull(scoreEdge) && f32OrNull(dropScale)) ||
      !(f32(alpha) && f32(gradOut) && f32(gradX) && f32(gradScoreSrc) && f32(gradScoreDst)) ||
      !f32OrNull(gradScoreEdge)
    ) {
      base.gatAttentionBackward(args, alpha, gradOut, outputs);
      return;
    }
    const { numSrc, numDst } = graph;
    const s = staging();
    const ptr = s.int32(graph.ptr);
    const src = s.int32(graph.src);
    const sX = s.float32(x);
    const sScoreSrc = s.float32(scoreSrc);
    const sScoreDst = s.float32(scoreDst);
    const sScoreEdge = s.float32OrNull(scoreEdge);
    const sDrop = s.float32OrNull(dropScale);
    const sAlpha = s.float32(alpha);
    const sGradOut = s.float32(gradOut);
    const sGradScoreDst = s.float32(gradScoreDst);
    const sGradScoreEdge = s.float32OrNull(gradScoreEdge);
    // Private buffers for the source-side gradients, as in gatv2AttentionBackward.
    const ownBuffers = isShared(gradX) && isShared(gradScoreSrc);
    const privateX: Float32Array[] = [];
    const privateScore: Float32Array[] = [];
    const ran: number[] = [];
    const jobs = handles.map((_, w): Job | null => {
      const t0 = bounds[w + 1]!;
      const t1 = bounds[w + 2]!;
      if (t0 === t1) return null;
      const pX = ownBuffers ? PLACEHOLDER : scratch.float32(`gradSrc${w}`, numSrc * HC);
      const pScore = ownBuffers ? PLACEHOLDER : scratch.float32(`gradScoreSrc${w}`, numSrc * H);
      if (!ownBuffers) {
        privateX.push(pX);
        privateScore.push(pScore);
      }
      ran.push(w);
      const task: Task = {
        kind: 'gatBackward',
        args: {
          ...args,
          graph: subGraph(graph, ptr, src, t0, t1),
          x: sX,
          scoreSrc: sScoreSrc,
          scoreDst: rows(sScoreDst, t0, t1, H),
          scoreEdge: sScoreEdge,
          dropScale: sDrop,
          bias: null, // forward only: not sent to the worker
        },
        alpha: sAlpha,
        gradOut: rows(sGradOut, t0, t1, HC),
        outputs: {
          gradX: pX,
          gradScoreSrc: pScore,
          gradScoreDst: rows(sGradScoreDst, t0, t1, H),
          gradScoreEdge: sGradScoreEdge,
        },
        ...(ownBuffers
          ? {
              privateGradX: { slot: 0, length: numSrc * HC },
              privateGradScoreSrc: { slot: 1, length: numSrc * H },
            }
          : {}),
      };
      return { zero: ownBuffers ? [] : [pX, pScore], task };
    });
    const t1 = bounds[1]!;
    run(jobs, () =>
      base.gatAttentionBackward(
        {
          ...args,
          graph: subGraph(graph, graph.ptr, graph.src, 0, t1),
          scoreDst: rows(scoreDst, 0, t1, H),
        },
        alpha,
        rows(gradOut, 0, t1, HC),
        { gradX, gradScoreSrc, gradScoreDst: rows(gradScoreDst, 0, t1, H), gradScoreEdge },
      ),
    );
    copyBack(gradScoreDst, sGradScoreDst, t1 * H, numDst * H);
    copyBack(gradScoreEdge, sGradScoreEdge, graph.ptr[t1]! * H, graph.ptr[numDst]! * H);
    if (ownBuffers) {
      addPrivates(gradX.subarray(0, numSrc * HC), 0, ran);
      addPrivates(gradScoreSrc.subarray(0, numSrc * H), 1, ran);
    } else {
      reduceInto(gradX, privateX, numSrc, HC);
      reduceInto(gradScoreSrc, privateScore, numSrc, H);
    }
    finish(s);
  };

  return {
    // Kernels without a parallel version here (the sparse linear layer) run on base.
    ...base,
    name: `parallel-${threads}(${base.name})`,
    threads,
    gemm,
    spmm: spmmLike(false),
    spmmTransposed: spmmLike(true),
    gatv2AttentionForward,
    gatv2AttentionBackward,
    gatAttentionForward,
    gatAttentionBackward,
    dropout,
    elu,
    eluBackward,
    eluBackwardFromOutput,
    addInto: addIntoKernel,
    addRowVector,
    columnSums,
    headDot,
    headDotBackward,
    adamStep,
    stats: () => ({ parallelCalls, baseCalls, stagedBytes }),
    terminate: () => {
      if (terminated) return;
      terminated = true;
      for (const h of handles) void h.worker.terminate();
      handles.length = 0; // from now on every call runs on base
      if (previousAllocator !== undefined) setFloat32Allocator(previousAllocator);
      if (previousInt32Allocator !== undefined) setInt32Allocator(previousInt32Allocator);
    },
  };
}
