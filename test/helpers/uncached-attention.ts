/**
 * WebAssembly attention kernels whose backward never caches the per-edge dot products <g_i,
 * x_j> (the path of a target too wide for the cache), which loadWasmKernels cannot reach on
 * small test graphs: one instance and arena of their own, with the given chunk size and
 * gather threshold (0: every target's source rows gathered).
 */
import type { Kernels } from '../../src/kernels/kernels.js';
import { WasmArena } from '../../src/kernels/wasm/arena.js';
import {
  createGatBackward,
  createGatForward,
  createGatv2Backward,
  createGatv2Forward,
} from '../../src/kernels/wasm/attention.js';
import { instantiateKernels, MAXIMUM_PAGES } from '../../src/kernels/wasm/loader.js';

export type AttentionKernels = Pick<
  Kernels,
  | 'gatv2AttentionForward'
  | 'gatv2AttentionBackward'
  | 'gatAttentionForward'
  | 'gatAttentionBackward'
>;

export async function uncachedAttention(
  chunkBytes: number,
  gatherMinSourceBytes: number,
): Promise<AttentionKernels> {
  const wasm = await instantiateKernels();
  const arena = new WasmArena(wasm.memory, wasm.heapBase(), MAXIMUM_PAGES * 65536, chunkBytes);
  return {
    gatv2AttentionForward: createGatv2Forward(wasm, arena, gatherMinSourceBytes),
    gatv2AttentionBackward: createGatv2Backward(wasm, arena, gatherMinSourceBytes, 0),
    gatAttentionForward: createGatForward(wasm, arena, gatherMinSourceBytes),
    gatAttentionBackward: createGatBackward(wasm, arena, gatherMinSourceBytes, 0),
  };
}
