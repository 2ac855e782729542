import { afterAll, describe, expect, it } from 'vitest';
import { takeKernelFlag, useKernels } from '../../src/cli/kernels.js';
import { kernels, setKernels } from '../../src/kernels/backend.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';

describe('--kernels', () => {
  afterAll(() => setKernels(referenceKernels));

  it('defaults to wasm and is taken out of the command’s arguments', () => {
    expect(takeKernelFlag(['--epochs', '3'])).toEqual({ argv: ['--epochs', '3'], choice: 'wasm' });
    expect(takeKernelFlag(['--kernels', 'reference', '--epochs', '3'])).toEqual({
      argv: ['--epochs', '3'],
      choice: 'reference',
    });
    expect(takeKernelFlag(['--epochs', '3', '--kernels=wasm'])).toEqual({
      argv: ['--epochs', '3'],
      choice: 'wasm',
    });
    expect(takeKernelFlag(['--kernels=wasm-simd'])).toEqual({ argv: [], choice: 'wasm-simd' });
    expect(takeKernelFlag(['--', '--kernels', 'x'])).toEqual({
      argv: ['--', '--kernels', 'x'],
      choice: 'wasm',
    });
  });

  it('rejects a missing or unknown value in one line', () => {
    expect(() => takeKernelFlag(['--kernels'])).toThrow(
      '--kernels needs a value: wasm, wasm-simd or reference',
    );
    expect(() => takeKernelFlag(['--kernels', 'gpu'])).toThrow(
      "--kernels must be wasm, wasm-simd or reference, found 'gpu'",
    );
  });

  it('activates the chosen implementation', async () => {
    // wasm turns relaxed SIMD on where Node keeps it behind a flag (Node 20 and 21).
    expect((await useKernels('wasm')).name).toBe('wasm-relaxed-simd');
    expect(kernels().name).toBe('wasm-relaxed-simd');
    expect((await useKernels('wasm-simd')).name).toBe('wasm-simd');
    expect((await useKernels('reference')).name).toBe('reference');
    expect(kernels()).toBe(referenceKernels);
  });
});
