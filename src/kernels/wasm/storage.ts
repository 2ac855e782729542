/**
 * Pooled tensor storage inside the kernels' WebAssembly memory (see tensor/pool.ts): a
 * region at the top of the memory, below its maximum, from which StoragePool takes new
 * arrays. The kernels find such arrays already in their memory and read and write them in
 * place, skipping the copies in and out that other arrays need.
 *
 * Views must stay valid, and `memory.grow` detaches every view of the old buffer: so the
 * first allocation grows the memory to its maximum at once (address space only; pages are
 * backed when first written), after which it never grows again, and the scratch arena below
 * the region stops short of it. Where the engine refuses that growth (a browser with less
 * address space) the storage stays unused and pools fall back to ordinary arrays.
 *
 * Blocks are handed out first-fit from a free list kept sorted by offset, and coalesced when
 * given back; each is padded by 16 bytes, as the arena's buffers are.
 */
import type { PoolStorage } from '../../tensor/pool.js';

const PAGE_BYTES = 65536;
const ALIGN = 16;
/**
 * Bytes after each block: kernels may read a vector from anywhere in an array and write
 * masked lanes just past its end (the attention kernels do), as the arena pads its buffers.
 */
const PAD_BYTES = 16;

interface Block {
  offset: number;
  bytes: number;
}

export class WasmStorage implements PoolStorage {
  private readonly memory: WebAssembly.Memory;
  private readonly maxBytes: number;
  /** First byte of the region; the scratch arena must end at or below it. */
  readonly start: number;
  private state: 'unused' | 'ready' | 'unavailable' = 'unused';
  /** Free blocks sorted by offset, never adjacent (coalesced). */
  private readonly freeBlocks: Block[] = [];
  /** Byte size of each block in use, by offset. */
  private readonly used = new Map<number, number>();

  constructor(memory: WebAssembly.Memory, maxBytes: number, regionBytes: number) {
    this.memory = memory;
    this.maxBytes = maxBytes;
    this.start = maxBytes - regionBytes;
    if (regionBytes <= 0) this.state = 'unavailable';
  }

  /** How many arrays were handed out so far (for tests). */
  lentCount = 0;

  /** Bytes of the region in use. */
  get usedBytes(): number {
    let bytes = 0;
    for (const b of this.used.values()) bytes += b;
    return bytes;
  }

  /** Whether `array` lives in this memory (a kernel may use it in place). */
  holds(array: Float32Array): boolean {
    return array.buffer === this.memory.buffer;
  }

  allocate(length: number): Float32Array | null {
    if (length === 0 || !this.ready()) return null;
    const bytes = Math.ceil((length * 4 + PAD_BYTES) / ALIGN) * ALIGN;
    const k = this.freeBlocks.findIndex((b) => b.bytes >= bytes);
    if (k < 0) return null;
    const block = this.freeBlocks[k]!;
    const offset = block.offset;
    if (block.bytes === bytes) this.freeBlocks.splice(k, 1);
    else {
      block.offset += bytes;
      block.bytes -= bytes;
    }
    this.used.set(offset, bytes);
    this.lentCount++;
    const array = new Float32Array(this.memory.buffer, offset, length);
    array.fill(0);
    return array;
  }

  release(array: Float32Array): void {
    const offset = array.byteOffset;
    const bytes = this.used.get(offset);
    if (bytes === undefined || !this.holds(array)) {
      throw new Error('WasmStorage.release: the array was not allocated here, or released twice');
    }
    this.used.delete(offset);
    // Insert in offset order, merging with the neighbours it touches.
    let k = 0;
    while (k < this.freeBlocks.length && this.freeBlocks[k]!.offset < offset) k++;
    const prev = k > 0 ? this.freeBlocks[k - 1]! : undefined;
    const next = this.freeBlocks[k];
    if (prev !== undefined && prev.offset + prev.bytes === offset) {
      prev.bytes += bytes;
      if (next !== undefined && prev.offset + prev.bytes === next.offset) {
        prev.bytes += next.bytes;
        this.freeBlocks.splice(k, 1);
      }
    } else if (next !== undefined && offset + bytes === next.offset) {
      next.offset = offset;
      next.bytes += bytes;
    } else {
      this.freeBlocks.splice(k, 0, { offset, bytes });
    }
  }

  /** Grows the memory to its maximum on first use; false where that is refused. */
  private ready(): boolean {
    if (this.state === 'unused') {
      try {
        const have = this.memory.buffer.byteLength;
        if (have < this.maxBytes) this.memory.grow((this.maxBytes - have) / PAGE_BYTES);
        this.freeBlocks.push({ offset: this.start, bytes: this.maxBytes - this.start });
        this.state = 'ready';
      } catch {
        this.state = 'unavailable';
      }
    }
    return this.state === 'ready';
  }
}
