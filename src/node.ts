/**
 * graphattn's Node-only API ('graphattn/node'): reading datasets from disk, downloading and
 * caching Planetoid, and writing files atomically. Everything browser-safe is in 'graphattn'.
 */
export * from './data/node.js';
export { writeFileAtomic, writeFileAtomicSync } from './io/atomic-write-node.js';
export { loadCheckpoint, saveCheckpoint, saveCheckpointAsync } from './train/checkpoint-node.js';
export {
  createParallelKernels,
  SHARED_MIN_ELEMENTS,
  type ParallelKernelOptions,
  type ParallelKernels,
  type ParallelKernelStats,
} from './kernels/parallel/index.js';
export { enableRelaxedSimd } from './kernels/wasm/relaxed-simd-node.js';
