/**
 * Every kernel implementation the kernel test suites run against. A new implementation
 * (e.g. WebAssembly SIMD, loaded with top-level await) is added here and is then tested
 * against the same float64 oracles as the reference.
 */
import type { Kernels } from '../../src/kernels/kernels.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';

export const implementations: Kernels[] = [referenceKernels];
