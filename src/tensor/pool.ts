/**
 * Float32 storage recycled from one training step to the next.
 *
 * A training epoch on a small graph allocates the same few dozen arrays every time
 * (activations, their gradients, masks): about 12 MB per Cora epoch. Fresh typed arrays cost
 * a zero-fill by the allocator, page faults and garbage-collector work, about a tenth of a
 * Cora epoch. `StoragePool.run(fn)` serves every float32 `allocate` made while `fn` runs from
 * arrays of the same length that earlier runs used (zeroed again, as `allocate` promises,
 * except for `allocateOverwritten` storage) and takes all of them back when `fn` returns.
 *
 * The contract: **no float32 array allocated inside `run` may be used after it returns.**
 * `fn` must return plain values (a loss, metrics) or copies. Storage that outlives a step is
 * allocated through `unpooled` (optimizer state, parameter gradients) or outside any run
 * (parameters, graph preparations made before the first pooled step). The trainers follow
 * it; `poison: true` fills every array taken back with NaN, so a test that breaks the
 * contract computes NaN instead of passing by luck.
 *
 * New arrays come from the allocator in force when `run` starts, so pooled storage stays
 * shared memory while the parallel kernels are active. With the ordinary allocator they come
 * from the `PoolStorage` the kernels registered, if any: the WebAssembly kernels lend arrays
 * inside their own memory, which they then read and write in place instead of copying them
 * in and out on every call (a pool's arrays are the only ones whose lifetime is known, so
 * only they can live there, besides state with an owner that gives it back, such as Adam's
 * moments). Between runs the pool keeps exactly what the last run used: a run that needs less
 * gives the rest back, so varying sizes (mini-batches) cannot make it grow without bound;
 * `clear()` gives everything back when a pool is done.
 */
import { type Float32Allocator, setFloat32Allocator } from './tensor.js';

export interface StoragePoolOptions {
  /** Fill arrays with NaN when taken back (tests of the contract). Default false. */
  readonly poison?: boolean;
}

/**
 * Storage a pool may take new arrays from instead of new typed arrays (see the module's
 * comment). The kernel backend registers it with `setPoolStorage`.
 */
export interface PoolStorage {
  /** A zero-filled array of `length` floats, or null when the storage has no room. */
  allocate(length: number): Float32Array | null;
  /** Gives back an array `allocate` returned; the caller no longer uses it. */
  release(array: Float32Array): void;
}

let poolStorage: PoolStorage | null = null;

/** Sets where pools take new arrays from (null: new typed arrays); returns the previous. */
export function setPoolStorage(storage: PoolStorage | null): PoolStorage | null {
  const previous = poolStorage;
  poolStorage = storage;
  return previous;
}

/** The pool whose `run` is in progress. */
const running: { pool: StoragePool | null } = { pool: null };

/**
 * How every pool behaves: 'on' (default); 'off', each run just calls its function (to rule
 * the pool out when chasing a bug); 'poison', as `poison: true` for every pool (tests).
 */
export type StoragePoolMode = 'on' | 'off' | 'poison';

let mode: StoragePoolMode = 'on';

/** Sets how every StoragePool behaves and returns the previous mode. */
export function setStoragePoolMode(next: StoragePoolMode): StoragePoolMode {
  const previous = mode;
  mode = next;
  return previous;
}

export class StoragePool {
  private readonly poison: boolean;
  /** Arrays free for the next run, by length. */
  private free = new Map<number, Float32Array[]>();
  /** Arrays lent during the current run. */
  private lent: Float32Array[] = [];
  private base: Float32Allocator = (length) => new Float32Array(length);
  /** The allocator in force outside the run was the ordinary one (PoolStorage may serve). */
  private plain = true;
  /** Arrays a PoolStorage lent, with it, to give back when the pool drops them. */
  private readonly stored = new Map<Float32Array, PoolStorage>();

  constructor(options: StoragePoolOptions = {}) {
    this.poison = options.poison ?? false;
  }

  /** Bytes the pool holds between runs. */
  get retainedBytes(): number {
    let bytes = 0;
    for (const list of this.free.values()) for (const a of list) bytes += a.byteLength;
    return bytes;
  }

  /** Runs `fn` with float32 allocations served from the pool; see the module's contract. */
  run<T>(fn: () => T): T {
    if (running.pool !== null) throw new Error('StoragePool.run: a pool is already running');
    if (mode === 'off') return fn();
    const previous = setFloat32Allocator(this.lend);
    this.base = previous ?? ((length) => new Float32Array(length));
    this.plain = previous === null;
    running.pool = this;
    try {
      return fn();
    } finally {
      running.pool = null;
      setFloat32Allocator(previous);
      this.reclaim();
    }
  }

  /** The allocator outside the pool (for `unpooled`). */
  get outside(): Float32Allocator {
    return this.base;
  }

  private readonly lend = (length: number, zeroed = true): Float32Array => {
    const list = this.free.get(length);
    const reused = list?.pop();
    let a: Float32Array;
    if (reused === undefined) {
      const storage = this.plain ? poolStorage : null;
      const fromStorage = storage?.allocate(length) ?? null;
      if (storage !== null && fromStorage !== null) this.stored.set(fromStorage, storage);
      a = fromStorage ?? this.base(length);
    } else {
      a = reused;
      if (zeroed) a.fill(0);
    }
    this.lent.push(a);
    return a;
  };

  /** Takes back every array lent in this run; drops free arrays the run did not use. */
  private reclaim(): void {
    const free = new Map<number, Float32Array[]>();
    for (const a of this.lent) {
      if (this.poison || mode === 'poison') a.fill(NaN);
      const list = free.get(a.length);
      if (list === undefined) free.set(a.length, [a]);
      else list.push(a);
    }
    this.drop(this.free); // what the run did not reuse
    this.free = free;
    this.lent = [];
  }

  /**
   * Drops every array the pool holds between runs, giving storage arrays back: for a pool
   * that is done (a trainer at the end of training).
   */
  clear(): void {
    if (running.pool === this) throw new Error('StoragePool.clear: the pool is running');
    this.drop(this.free);
    this.free = new Map();
  }

  private drop(lists: Map<number, Float32Array[]>): void {
    for (const list of lists.values()) {
      for (const a of list) {
        const storage = this.stored.get(a);
        if (storage === undefined) continue;
        this.stored.delete(a);
        storage.release(a);
      }
    }
  }
}

/**
 * Runs `fn` with the default float32 allocator even inside `StoragePool.run`: for storage
 * that outlives the step that creates it (optimizer state, parameter gradients).
 */
export function unpooled<T>(fn: () => T): T {
  const pool = running.pool;
  if (pool === null) return fn();
  const previous = setFloat32Allocator(pool.outside);
  try {
    return fn();
  } finally {
    setFloat32Allocator(previous);
  }
}
