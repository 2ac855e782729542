/**
 * Which kernel implementation a benchmark runs, named as the CLI's --kernels: 'reference',
 * 'wasm' (the relaxed-SIMD build with fused multiply-add, turned on where Node has it behind
 * a flag, as the CLI does) or 'wasm-simd' (the plain SIMD build).
 */
import type { Kernels } from '../src/kernels/kernels.js';
import { referenceKernels } from '../src/kernels/reference/index.js';

export async function loadKernels(name: string): Promise<Kernels> {
  if (name === 'reference') return referenceKernels;
  if (name === 'wasm' || name === 'wasm-simd') {
    const { loadWasmKernels } = await import('../src/kernels/wasm/index.js');
    if (name === 'wasm-simd') return loadWasmKernels({ simd: 'plain' });
    const { enableRelaxedSimd } = await import('../src/kernels/wasm/relaxed-simd-node.js');
    enableRelaxedSimd();
    return loadWasmKernels();
  }
  throw new Error(`bench: unknown kernels '${name}' (expected reference, wasm or wasm-simd)`);
}
