/**
 * WebAssembly SIMD kernels (AssemblyScript sources in `assembly/`), loaded asynchronously:
 *
 *   setKernels(await loadWasmKernels());
 *
 * float32 work runs in WebAssembly (relaxed SIMD with fused multiply-add where the engine
 * supports it, plain 128-bit SIMD otherwise); float64 calls go to the reference kernels.
 * One WebAssembly memory, capped at 2 GiB, holds a scratch arena: inputs are copied in,
 * computed, and outputs copied back, in chunks where the operands are large.
 */
import type { Kernels } from '../kernels.js';
import { WasmArena } from './arena.js';
import {
  createGatBackward,
  createGatForward,
  createGatv2Backward,
  createGatv2Forward,
  DEFAULT_GATHER_MIN_SOURCE_BYTES,
} from './attention.js';
import { createGemm, createSpmm, createSpmmTransposed } from './dense.js';
import {
  createAddInto,
  createAddRowVector,
  createColumnSums,
  createHeadDot,
  createHeadDotBackward,
} from './heads.js';
import {
  createAdamStep,
  createDropout,
  createDropoutCsr,
  createElu,
  createEluBackward,
  createEluBackwardFromOutput,
  createFirstNonFinite,
} from './elementwise.js';
import {
  createSparseLinear,
  createSparseLinearBackward,
  createSparseLinearMany,
} from './linear.js';
import { instantiateKernels, MAXIMUM_PAGES, type SimdChoice } from './loader.js';
import { WasmStorage } from './storage.js';

export interface WasmKernelOptions {
  /**
   * Size in bytes of the chunks large operands are streamed through (row blocks of GEMM and
   * SpMM, target ranges of attention). Default 64 MiB; tests set it small to exercise chunking.
   */
  readonly chunkBytes?: number;
  /**
   * The attention kernels gather each target's source rows into a contiguous buffer when the
   * source array is larger than this many bytes (default 2 MiB; smaller ones stay in cache).
   * Tests set it to 0 to exercise the gather path on small graphs.
   */
  readonly gatherMinSourceBytes?: number;
  /**
   * Bytes at the top of the memory reserved for StoragePool arrays, which the kernels use in
   * place (default 256 MiB; 0 turns it off). The scratch arena gets the rest of the 2 GiB.
   */
  readonly poolStorageBytes?: number;
  /**
   * Which build: 'auto' (default) relaxed SIMD with fused multiply-add where the engine has
   * it, else plain SIMD; 'relaxed' that or an error; 'plain' plain SIMD, whose float32
   * results are the same on every machine (fused multiply-add rounds once, not twice).
   */
  readonly simd?: SimdChoice;
}

const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Bytes at the top of the memory for pooled tensor storage (see storage.ts): the working set
 * of a training step on graphs up to a few hundred thousand edges. Larger steps spill into
 * ordinary arrays, which the kernels copy in as before.
 */
const POOL_BYTES = 256 * 1024 * 1024;

let loading: Promise<Kernels> | undefined;

/**
 * Compiles the module and returns its kernel table. Without options the instance is shared
 * (the same table on every call); with options each call creates its own instance and memory.
 */
export function loadWasmKernels(options?: WasmKernelOptions): Promise<Kernels> {
  if (options !== undefined) return createWasmKernels(options);
  loading ??= createWasmKernels({});
  return loading;
}

async function createWasmKernels(options: WasmKernelOptions): Promise<Kernels> {
  const wasm = await instantiateKernels(options.simd ?? 'auto');
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const gather = options.gatherMinSourceBytes ?? DEFAULT_GATHER_MIN_SOURCE_BYTES;
  const maxBytes = MAXIMUM_PAGES * 65536;
  const poolBytes = options.poolStorageBytes ?? POOL_BYTES;
  const check = (ok: boolean, what: string, found: number): void => {
    if (!ok) throw new RangeError(`loadWasmKernels: ${what}, found ${found}`);
  };
  check(
    Number.isSafeInteger(chunkBytes) && chunkBytes > 0,
    'chunkBytes must be a positive integer',
    chunkBytes,
  );
  check(gather >= 0, 'gatherMinSourceBytes must be ≥ 0', gather);
  // The pool region sits at the top of the memory, above the static data and the arena.
  const maxPool = maxBytes - wasm.heapBase();
  check(
    Number.isSafeInteger(poolBytes) && poolBytes >= 0 && poolBytes <= maxPool,
    `poolStorageBytes must be an integer from 0 to ${maxPool} (the ${maxBytes / 2 ** 30} GiB memory less its static data)`,
    poolBytes,
  );
  const storage = new WasmStorage(wasm.memory, maxBytes, poolBytes);
  const arena = new WasmArena(wasm.memory, wasm.heapBase(), storage.start, chunkBytes);
  return {
    name: `wasm-${wasm.variant}`,
    poolStorage: storage,
    gemm: createGemm(wasm, arena),
    spmm: createSpmm(wasm, arena),
    spmmTransposed: createSpmmTransposed(wasm, arena),
    gatv2AttentionForward: createGatv2Forward(wasm, arena, gather),
    gatv2AttentionBackward: createGatv2Backward(wasm, arena, gather),
    gatAttentionForward: createGatForward(wasm, arena, gather),
    gatAttentionBackward: createGatBackward(wasm, arena, gather),
    dropout: createDropout(wasm, arena),
    dropoutCsr: createDropoutCsr(wasm, arena),
    headDot: createHeadDot(wasm, arena),
    headDotBackward: createHeadDotBackward(wasm, arena),
    firstNonFinite: createFirstNonFinite(wasm, arena),
    addInto: createAddInto(wasm, arena),
    addRowVector: createAddRowVector(wasm, arena),
    columnSums: createColumnSums(wasm, arena),
    elu: createElu(wasm, arena),
    eluBackward: createEluBackward(wasm, arena),
    eluBackwardFromOutput: createEluBackwardFromOutput(wasm, arena),
    sparseLinear: createSparseLinear(wasm, arena),
    sparseLinearMany: createSparseLinearMany(wasm, arena),
    sparseLinearBackward: createSparseLinearBackward(wasm, arena),
    adamStep: createAdamStep(wasm, arena),
  };
}
