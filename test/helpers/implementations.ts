/**
 * Every kernel implementation the kernel test suites run against: the plain reference and
 * WebAssembly SIMD (float32; it hands float64 to the reference). Each is tested against
 * the same float64 oracles.
 */
import type { Kernels } from '../../src/kernels/kernels.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';

export const implementations: Kernels[] = [referenceKernels, await loadWasmKernels()];
