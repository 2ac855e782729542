/**
 * Which kernel implementation the ops use. The reference kernels are the default; a faster
 * implementation is switched in with `setKernels` once it has loaded (WebAssembly compiles
 * asynchronously).
 */
import { setPoolStorage } from '../tensor/pool.js';
import type { Kernels } from './kernels.js';
import { referenceKernels } from './reference/index.js';

let active: Kernels = referenceKernels;

export function kernels(): Kernels {
  return active;
}

/** Switches the kernels, and with them where StoragePools take new arrays from. */
export function setKernels(implementation: Kernels): void {
  active = implementation;
  setPoolStorage(implementation.poolStorage ?? null);
}
