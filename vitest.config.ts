import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests and README examples import the package by name, as users do.
    alias: {
      'graphattn/node': fileURLToPath(new URL('./src/node.ts', import.meta.url)),
      graphattn: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    testTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'default', include: ['test/**/*.test.ts'] },
      },
      {
        // The kernel and parity suites again on the relaxed-SIMD build (fused multiply-add),
        // which Node 22+ and Chromium run by default and Node 20 behind a V8 flag.
        extends: true,
        test: {
          name: 'relaxed-simd',
          include: ['test/kernels/**/*.test.ts', 'test/parity/**/*.test.ts'],
          execArgv: ['--experimental-wasm-relaxed-simd'],
          env: { GRAPHATTN_EXPECT_WASM: 'relaxed-simd' },
        },
      },
    ],
  },
});
