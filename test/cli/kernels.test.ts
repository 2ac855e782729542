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
    expect(takeKernelFlag(['--', '--kernels', 'x'])).toEqual({
      argv: ['--', '--kernels', 'x'],
      choice: 'wasm',
    });
  });

  it('rejects a missing or unknown value in one line', () => {
    expect(() => takeKernelFlag(['--kernels'])).toThrow(
      '--kernels needs a value: wasm or reference',
    );
    expect(() => takeKernelFlag(['--kernels', 'gpu'])).toThrow(
      "--kernels must be wasm or reference, found 'gpu'",
    );
  });

  it('activates the chosen implementation', async () => {
    expect((await useKernels('wasm')).name).toMatch(/^wasm-/);
    expect(kernels().name).toMatch(/^wasm-/);
    expect((await useKernels('reference')).name).toBe('reference');
    expect(kernels()).toBe(referenceKernels);
  });
});
