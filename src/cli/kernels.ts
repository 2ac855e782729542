/**
 * Kernel selection for every command: the WebAssembly SIMD kernels when they load (float64
 * work still runs on the reference inside them), the plain reference kernels otherwise or
 * when asked with `--kernels reference`. `wasm` runs the relaxed-SIMD build (fused
 * multiply-add), turning it on where Node has it behind a flag (Node 20); `wasm-simd` the
 * plain SIMD build, whose results are the same on every machine. A global flag, taken out of
 * the arguments before the command parses its own.
 */
import { setKernels } from '../kernels/backend.js';
import type { Kernels } from '../kernels/kernels.js';
import { referenceKernels } from '../kernels/reference/index.js';
import { loadWasmKernels } from '../kernels/wasm/index.js';
import { enableRelaxedSimd } from '../kernels/wasm/relaxed-simd-node.js';
import { UsageError } from './errors.js';

export const KERNEL_CHOICES = ['wasm', 'wasm-simd', 'reference'] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];
const CHOICES_TEXT = 'wasm, wasm-simd or reference';

/** Removes `--kernels <name>` / `--kernels=<name>` from argv; the choice defaults to wasm. */
export function takeKernelFlag(argv: readonly string[]): {
  argv: string[];
  choice: KernelChoice;
} {
  const rest: string[] = [];
  let choice: string = 'wasm';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--kernels') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('-')) {
        throw new UsageError(`--kernels needs a value: ${CHOICES_TEXT}`);
      }
      choice = value;
      i++;
    } else if (arg.startsWith('--kernels=')) {
      choice = arg.slice('--kernels='.length);
    } else {
      rest.push(arg);
    }
  }
  if (!(KERNEL_CHOICES as readonly string[]).includes(choice)) {
    throw new UsageError(`--kernels must be ${CHOICES_TEXT}, found '${choice}'`);
  }
  return { argv: rest, choice: choice as KernelChoice };
}

/** Activates the chosen kernels; wasm falls back to the reference when it cannot load. */
export async function useKernels(choice: KernelChoice): Promise<Kernels> {
  let chosen: Kernels = referenceKernels;
  if (choice !== 'reference') {
    try {
      if (choice === 'wasm') enableRelaxedSimd();
      chosen = await loadWasmKernels(choice === 'wasm-simd' ? { simd: 'plain' } : undefined);
    } catch {
      chosen = referenceKernels; // e.g. an engine without WebAssembly SIMD
    }
  }
  setKernels(chosen);
  return chosen;
}
