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
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
