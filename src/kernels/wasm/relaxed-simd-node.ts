/**
 * Relaxed SIMD on Node 20 and 21, where V8 has it behind a flag (it is on by default from
 * Node 22). The kernels' relaxed build differs from the plain one in `madd`, which becomes
 * one fused multiply-add, and in one swizzle of sparse dropout: on Cora (x86-64 with FMA,
 * bench at 79c734d) 2 % less time per GATv2 training epoch and 5 % per inference.
 */
import { setFlagsFromString } from 'node:v8';
import { supportsRelaxedSimd } from './loader.js';

/**
 * Makes relaxed-SIMD WebAssembly available to modules compiled from now on, and says whether
 * it is. Call it before the first `loadWasmKernels()` (an instance already made keeps its
 * build). Nothing is changed where the engine has relaxed SIMD already; where it has neither
 * (no such flag) it returns false and the kernels stay on plain SIMD.
 */
export function enableRelaxedSimd(): boolean {
  if (supportsRelaxedSimd()) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return supportsRelaxedSimd();
}
