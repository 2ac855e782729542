/**
 * A bump allocator over the WebAssembly memory: each kernel call resets it, reserves its
 * buffers (growing the memory when needed), then copies inputs in and outputs out.
 *
 * `memory.grow` detaches every view of the old buffer, so views are re-created after a grow
 * and callers must fetch `f32` / `i32` only after their last `alloc`.
 */

import type { FloatArray } from '../../tensor/tensor.js';

const PAGE_BYTES = 65536;
const ALIGN = 16;

export class WasmArena {
  private readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private readonly maxBytes: number;
  /** Chunked buffers (row blocks, target ranges) are sized to at most this many bytes. */
  readonly chunkBytes: number;
  private top: number;
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(memory: WebAssembly.Memory, heapBase: number, maxBytes: number, chunkBytes: number) {
    this.memory = memory;
    this.base = alignUp(heapBase);
    this.maxBytes = maxBytes;
    this.chunkBytes = chunkBytes;
    this.top = this.base;
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
  }

  /** Bytes a call may still reserve after a reset. */
  get capacity(): number {
    return this.maxBytes - this.base;
  }

  /** Releases every buffer of the previous call. */
  reset(): void {
    this.top = this.base;
  }

  /** Reserves `bytes` (16-byte aligned) and returns its byte offset. */
  alloc(bytes: number): number {
    const offset = this.top;
    const end = offset + alignUp(bytes);
    if (end > this.maxBytes) {
      throw new RangeError(
        `graphattn wasm: needs ${end} bytes of WebAssembly memory, the cap is ${this.maxBytes}`,
      );
    }
    if (end > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / PAGE_BYTES));
    }
    this.top = end;
    return offset;
  }

  /**
   * Byte offsets of arrays that all live in this memory (pooled storage, see storage.ts),
   * for a kernel to use in place; null entries give 0, the kernels' null. Null when any
   * other array is not in this memory: the caller then copies through the arena.
   */
  residentOffsets(...arrays: (FloatArray | null)[]): number[] | null {
    const buffer = this.memory.buffer;
    const offsets: number[] = [];
    for (const a of arrays) {
      if (a === null) offsets.push(0);
      else if (a.buffer === buffer && a instanceof Float32Array) offsets.push(a.byteOffset);
      else return null;
    }
    return offsets;
  }

  /** Byte offset of one array that lives in this memory (pooled storage), else −1 (and for null). */
  residentOffset(a: FloatArray | null): number {
    return a !== null && a.buffer === this.memory.buffer && a instanceof Float32Array
      ? a.byteOffset
      : -1;
  }

  /** Reserves a buffer for `data`'s first `floats` values and copies them in. */
  stage(data: Float32Array, floats: number): number {
    const offset = this.alloc(floats * 4);
    this.f32.set(data.subarray(0, floats), offset >> 2);
    return offset;
  }

  /** Copies `floats` values at `offset` out into `data`. */
  unstage(offset: number, data: Float32Array, floats: number): void {
    data.set(this.f32.subarray(offset >> 2, (offset >> 2) + floats));
  }

  /** Float32 view of the whole memory (valid until the next `alloc`). */
  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** Int32 view of the whole memory (valid until the next `alloc`). */
  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  private refresh(): void {
    if (this.f32View.buffer !== this.memory.buffer) {
      this.f32View = new Float32Array(this.memory.buffer);
      this.i32View = new Int32Array(this.memory.buffer);
    }
  }
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/**
 * Splits items 0..count into consecutive ranges whose buffers fit in `budget` bytes: an item
 * costs `itemBytes`, plus `entryBytes` per CSR entry (ptr[i] .. ptr[i+1]). A range always
 * holds at least one item. Returns the boundaries [0, b1, ..., count].
 */
export function planRanges(
  count: number,
  ptr: Int32Array,
  itemBytes: number,
  entryBytes: number,
  budget: number,
): number[] {
  const bounds = [0];
  let start = 0;
  while (start < count) {
    let end = start + 1;
    while (
      end < count &&
      (end + 1 - start) * itemBytes + (ptr[end + 1]! - ptr[start]!) * entryBytes <= budget
    ) {
      end++;
    }
    bounds.push(end);
    start = end;
  }
  return bounds;
}

/** The largest item count and entry count over the ranges of `planRanges`. */
export function largestRange(bounds: readonly number[], ptr: Int32Array): [number, number] {
  let items = 0;
  let entries = 0;
  for (let r = 0; r + 1 < bounds.length; r++) {
    const s = bounds[r]!;
    const e = bounds[r + 1]!;
    items = Math.max(items, e - s);
    entries = Math.max(entries, ptr[e]! - ptr[s]!);
  }
  return [items, entries];
}
