/**
 * Which WebAssembly build the kernels run, and how to choose it. The 'relaxed-simd' test
 * project (vitest.config.ts) sets GRAPHATTN_EXPECT_WASM so that its kernel suites fail
 * loudly, rather than pass on the plain build, if the flag stops taking effect.
 */
import { describe, expect, it } from 'vitest';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { supportsRelaxedSimd } from '../../src/kernels/wasm/loader.js';

describe('WebAssembly build choice', () => {
  it("'auto' runs the relaxed build exactly where the engine validates it", async () => {
    const k = await loadWasmKernels();
    expect(k.name).toBe(supportsRelaxedSimd() ? 'wasm-relaxed-simd' : 'wasm-simd');
    const expected = process.env.GRAPHATTN_EXPECT_WASM;
    if (expected !== undefined) expect(k.name).toBe(`wasm-${expected}`);
  });

  it("'plain' runs the plain SIMD build everywhere", async () => {
    expect((await loadWasmKernels({ simd: 'plain' })).name).toBe('wasm-simd');
  });

  it("'relaxed' runs the relaxed build, or says why it cannot", async () => {
    if (supportsRelaxedSimd()) {
      expect((await loadWasmKernels({ simd: 'relaxed' })).name).toBe('wasm-relaxed-simd');
    } else {
      await expect(loadWasmKernels({ simd: 'relaxed' })).rejects.toThrow(
        /does not validate relaxed-SIMD WebAssembly \(Node 20 needs enableRelaxedSimd\(\)/,
      );
    }
  });
});
