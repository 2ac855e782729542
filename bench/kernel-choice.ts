/** Which kernel implementation a benchmark runs: 'reference' or 'wasm'. */
import type { Kernels } from '../src/kernels/kernels.js';
import { referenceKernels } from '../src/kernels/reference/index.js';

export async function loadKernels(name: string): Promise<Kernels> {
  if (name === 'reference') return referenceKernels;
  if (name === 'wasm') {
    const { loadWasmKernels } = await import('../src/kernels/wasm/index.js');
    return loadWasmKernels();
  }
  throw new Error(`bench: unknown kernels '${name}' (expected reference or wasm)`);
}
