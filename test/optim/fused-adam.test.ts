/**
 * The fused Adam against its reference, the chain addDecayedWeights → scaleByAdam →
 * scaleByLearningRate: the same bits in float32 and float64, through `update` and through
 * `applyInPlace`, with weight decay, skipped parameters and a schedule.
 */
import { describe, expect, it } from 'vitest';
import type { WasmStorage } from '../../src/kernels/wasm/storage.js';
import { parameter } from '../../src/autograd/variable.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { adam, adamComposed } from '../../src/optim/optimizers.js';
import { applyUpdates, isInPlace, type GradientTransformation } from '../../src/optim/transform.js';
import { Random } from '../../src/tensor/random.js';
import { type DType, Tensor } from '../../src/tensor/tensor.js';

const SHAPES = [[3, 5], [7], [1]];

function randomTensors(dtype: DType, rng: Random, scale: number): Tensor[] {
  return SHAPES.map((shape) => {
    const t = Tensor.zeros(shape, dtype);
    for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformIn(-scale, scale);
    return t;
  });
}

/** Parameter values after each of `steps` steps (parameter 1 sits out step 2). */
function trajectory(
  make: () => GradientTransformation,
  dtype: DType,
  via: 'update' | 'optimizer',
  steps = 6,
): number[][] {
  const rng = new Random(42);
  const params = randomTensors(dtype, rng, 1).map((t) => parameter(t));
  const transform = make();
  const optimizer = new Optimizer(params, transform);
  const state = transform.init(params.map((p) => p.value));
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const grads: (Tensor | null)[] = randomTensors(dtype, rng, s === 3 ? 1e-6 : 2);
    if (s === 2) grads[1] = null;
    if (via === 'update') {
      const { updates } = transform.update(
        grads,
        state,
        params.map((p) => p.value),
      );
      applyUpdates(params, updates);
    } else {
      params.forEach((p, i) => (p.grad = grads[i]!));
      optimizer.step();
    }
    out.push(params.flatMap((p) => Array.from(p.value.data)));
  }
  return out;
}

describe('fused adam', () => {
  const configs = [
    { name: 'plain', lr: 0.01, options: {} },
    { name: 'weight decay', lr: 0.005, options: { weightDecay: 5e-4 } },
    {
      name: 'betas, eps',
      lr: 0.1,
      options: { weightDecay: 0.1, betas: [0.8, 0.95] as const, eps: 1e-6 },
    },
    { name: 'schedule', lr: (step: number) => 0.05 / (step + 1), options: { weightDecay: 0.01 } },
  ];
  for (const { name, lr, options } of configs) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name}, ${dtype}: the same bits as the composed chain, by update and in place`, () => {
        const reference = trajectory(() => adamComposed(lr, options), dtype, 'update');
        expect(trajectory(() => adam(lr, options), dtype, 'update')).toEqual(reference);
        expect(trajectory(() => adam(lr, options), dtype, 'optimizer')).toEqual(reference);
      });
    }
  }

  it('is an in-place transform; the chain is not', () => {
    expect(isInPlace(adam(0.01))).toBe(true);
    expect(isInPlace(adamComposed(0.01))).toBe(false);
  });

  it('rejects bad hyper-parameters', () => {
    expect(() => adam(0.01, { betas: [1, 0.999] })).toThrow(
      'adam: betas[0] must be in [0, 1), found 1',
    );
    expect(() => adam(-1)).toThrow('adam: lr must be a finite number >= 0, found -1');
    expect(() => adam(0.01, { weightDecay: NaN })).toThrow(
      'adam: weightDecay must be a finite number >= 0',
    );
  });
});

describe('fused adam on the WebAssembly kernels', () => {
  it('follows the composed chain to float32 rounding', async () => {
    const { loadWasmKernels } = await import('../../src/kernels/wasm/index.js');
    const { kernels, setKernels } = await import('../../src/kernels/backend.js');
    const previous = kernels();
    const reference = trajectory(
      () => adamComposed(0.005, { weightDecay: 5e-4 }),
      'float32',
      'update',
      20,
    );
    setKernels(await loadWasmKernels());
    try {
      const fused = trajectory(
        () => adam(0.005, { weightDecay: 5e-4 }),
        'float32',
        'optimizer',
        20,
      );
      fused.forEach((step, s) => {
        step.forEach((x, j) => expect(Math.abs(x - reference[s]![j]!)).toBeLessThan(1e-5));
      });
    } finally {
      setKernels(previous);
    }
  });

  it("keeps its moments in the kernels' memory, where the kernel updates them in place", async () => {
    const { loadWasmKernels } = await import('../../src/kernels/wasm/index.js');
    const { kernels, setKernels } = await import('../../src/kernels/backend.js');
    const previous = kernels();
    const wasm = await loadWasmKernels();
    setKernels(wasm);
    try {
      const storage = wasm.poolStorage as WasmStorage;
      const transform = adam(0.005);
      const params = [Tensor.zeros([5, 3]), Tensor.zeros([0])];
      const state = transform.init(params);
      expect(storage.holds(state.m[0]!.data as Float32Array)).toBe(true);
      expect(storage.holds(state.v[0]!.data as Float32Array)).toBe(true);
      expect(Array.from(state.m[0]!.data)).toEqual(new Array<number>(15).fill(0));
      expect(state.m[1]!.size).toBe(0); // nothing to lend for an empty parameter
      // float64 parameters (gradient checks) keep ordinary arrays.
      const state64 = transform.init([Tensor.zeros([4], 'float64')]);
      expect(state64.m[0]!.data).toBeInstanceOf(Float64Array);
    } finally {
      setKernels(previous);
    }
  });
});
