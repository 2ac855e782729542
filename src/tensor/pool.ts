/**
 * Float32 storage recycled from one training step to the next.
 *
 * A training epoch on a small graph allocates the same few dozen arrays every time
 * (activations, their gradients, masks): about 12 MB per Cora epoch. Fresh typed arrays cost
 * a zero-fill by the allocator, page faults and garbage-collector work, about a tenth of a
 * Cora epoch. `StoragePool.run(fn)` serves every float32 `allocate` made while `fn` runs from
 * arrays of the same length that earlier runs used (zeroed again, as `allocate` promises) and
 * takes all of them back when `fn` returns.
 *
 * The contract: **no float32 array allocated inside `run` may be used after it returns.**
 * `fn` must return plain values (a loss, metrics) or copies. Storage that outlives a step is
 * allocated through `unpooled` (optimizer state, parameter gradients) or outside any run
 * (parameters, graph preparations made before the first pooled step). The trainers follow
 * it; `poison: true` fills every array taken back with NaN, so a test that breaks the
 * contract computes NaN instead of passing by luck.
 *
 * Arrays are taken from, and new ones made by, the allocator in force when `run` starts, so
 * pooled storage stays shared memory while the parallel kernels are active. Between runs the
 * pool keeps exactly what the last run used: a run that needs less gives the rest to the
 * garbage collector, so varying sizes (mini-batches) cannot make it grow without bound.
 */
import { type Float32Allocator, setFloat32Allocator } from './tensor.js';

export interface StoragePoolOptions {
  /** Fill arrays with NaN when taken back (tests of the contract). Default false. */
  readonly poison?: boolean;
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

  private readonly lend = (length: number): Float32Array => {
    const list = this.free.get(length);
    const reused = list?.pop();
    let a: Float32Array;
    if (reused === undefined) {
      a = this.base(length);
    } else {
      a = reused;
      a.fill(0);
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
    this.free = free;
    this.lent = [];
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
