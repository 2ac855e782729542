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
import {
  gatAttentionBackwardReference,
  gatAttentionForwardReference,
} from '../reference/gat-attention.js';
import {
  gatv2AttentionBackwardReference,
  gatv2AttentionForwardReference,
} from '../reference/gatv2-attention.js';
import { WasmArena } from './arena.js';
import { createGemm, createSpmm, createSpmmTransposed } from './dense.js';
import { instantiateKernels, MAXIMUM_PAGES } from './loader.js';

let loading: Promise<Kernels> | undefined;

/** Compiles the module once and returns its kernel table (the same one on every call). */
export function loadWasmKernels(): Promise<Kernels> {
  loading ??= createWasmKernels();
  return loading;
}

async function createWasmKernels(): Promise<Kernels> {
  const wasm = await instantiateKernels();
  const arena = new WasmArena(wasm.memory, wasm.heapBase(), MAXIMUM_PAGES * 65536);
  return {
    name: `wasm-${wasm.variant}`,
    gemm: createGemm(wasm, arena),
    spmm: createSpmm(wasm, arena),
    spmmTransposed: createSpmmTransposed(wasm, arena),
    gatv2AttentionForward: gatv2AttentionForwardReference,
    gatv2AttentionBackward: gatv2AttentionBackwardReference,
    gatAttentionForward: gatAttentionForwardReference,
    gatAttentionBackward: gatAttentionBackwardReference,
  };
}
