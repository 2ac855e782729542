/** Gradient-check assertion shared by the op tests (float64 central differences). */
import { expect } from 'vitest';
import { type GradcheckOptions, gradcheck } from '../../src/autograd/gradcheck.js';
import type { Variable } from '../../src/autograd/variable.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export function expectGradientsMatch(
  fn: (...inputs: Variable[]) => Variable,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): void {
  const result = gradcheck(fn, inputs, options);
  expect(result.mismatches).toEqual([]);
  expect(result.ok).toBe(true);
}
