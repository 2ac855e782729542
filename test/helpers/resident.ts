/**
 * The WebAssembly kernels called the way pooled training calls them: every float32 array of
 * a call (also inside argument objects, such as GemmArgs or the attention outputs) is first
 * copied into the kernels' own memory (their PoolStorage), so each wrapper takes its in-place
 * path; afterwards every copy is written back to its original and given back. An array that
 * appears twice in a call gets one copy, so aliasing is kept.
 */
import type { Kernels } from '../../src/kernels/kernels.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';

export async function residentWasmKernels(every: 'all' | 'some'): Promise<Kernels> {
  // The partly resident variant streams in small chunks, so that in-place arrays meet the
  // chunk loops too (offsets of later chunks), and gathers the attention's source rows.
  const base = await loadWasmKernels(
    every === 'all' ? {} : { chunkBytes: 4096, gatherMinSourceBytes: 0 },
  );
  const storage = base.poolStorage;
  if (storage === undefined) throw new Error('the WebAssembly kernels have no pool storage');
  let state = 12345;
  const coin = (): boolean => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state & 0x10000) !== 0;
  };
  const wrapped: Record<string, unknown> = {
    ...base,
    name: every === 'all' ? 'wasm-resident' : 'wasm-partly-resident',
  };
  for (const [name, value] of Object.entries(base)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]): unknown => {
      const copies = new Map<Float32Array, Float32Array>();
      const skipped = new Set<Float32Array>();
      const place = (v: unknown, depth: number): unknown => {
        if (v instanceof Float32Array) {
          if (v.length === 0 || skipped.has(v)) return v;
          if (every === 'some' && !copies.has(v) && coin()) {
            skipped.add(v);
            return v;
          }
          let copy = copies.get(v);
          if (copy === undefined) {
            const made = storage.allocate(v.length);
            if (made === null) throw new Error('pool storage is full');
            made.set(v);
            copies.set(v, made);
            copy = made;
          }
          return copy;
        }
        if (Array.isArray(v)) return v.map((inner: unknown) => place(inner, depth));
        if (depth > 0 && typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
          const out: Record<string, unknown> = {};
          for (const [key, inner] of Object.entries(v)) out[key] = place(inner, depth - 1);
          return out;
        }
        return v;
      };
      const placed = args.map((a) => place(a, 2));
      try {
        return fn.apply(base, placed);
      } finally {
        for (const [original, copy] of copies) {
          original.set(copy);
          storage.release(copy);
        }
      }
    };
  }
  return wrapped as unknown as Kernels;
}
