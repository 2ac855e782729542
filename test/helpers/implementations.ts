/**
 * Every kernel implementation the kernel test suites run against: the plain reference,
 * WebAssembly SIMD (float32; it hands float64 to the reference), and the worker-thread
 * kernels over WebAssembly (2 threads, splitting even the smallest calls), and WebAssembly
 * with every array already in its memory, as pooled training hands them over (its in-place
 * paths). Each is tested against the same float64 oracles.
 */
import type { Kernels } from '../../src/kernels/kernels.js';
import { createParallelKernels } from '../../src/kernels/parallel/index.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { residentWasmKernels } from './resident.js';

const wasm = await loadWasmKernels();
// Workers are unref'd: nothing keeps the test process alive, so no terminate is needed.
const parallel = await createParallelKernels({
  threads: 2,
  base: wasm,
  minWork: 0,
  sharedTensors: false,
});

export const implementations: Kernels[] = [
  referenceKernels,
  wasm,
  parallel,
  await residentWasmKernels('all'),
  await residentWasmKernels('some'),
];
