import { afterEach, describe, expect, it } from 'vitest';
import { kernels, setKernels } from '../../src/kernels/backend.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { WasmStorage } from '../../src/kernels/wasm/storage.js';
import { karateClub } from '../../src/data/karate.js';
import { stochasticBlockModel } from '../../src/data/sbm.js';
import { StoragePool, setStoragePoolMode, unpooled } from '../../src/tensor/pool.js';
import {
  Tensor,
  allocate,
  allocateOverwritten,
  setFloat32Allocator,
} from '../../src/tensor/tensor.js';
import { trainMiniBatch } from '../../src/train/minibatch.js';
import { trainNodeClassifier } from '../../src/train/node-classification.js';
import { paperRecipe } from '../../src/train/recipes.js';

afterEach(() => {
  setStoragePoolMode('on');
  setKernels(referenceKernels);
});

describe('StoragePool', () => {
  it('lends an array of the same length from the previous run, zeroed again', () => {
    const pool = new StoragePool();
    const first = pool.run(() => {
      const a = allocate('float32', 10) as Float32Array;
      a.fill(3);
      return a;
    });
    const second = pool.run(() => allocate('float32', 10));
    expect(second).toBe(first);
    expect(Array.from(second)).toEqual(new Array<number>(10).fill(0));
    // Another length is a new array.
    const third = pool.run(() => allocate('float32', 11));
    expect(third).not.toBe(first);
    expect(third.length).toBe(11);
  });

  it('allocateOverwritten may hand back the previous numbers (the caller overwrites them)', () => {
    const pool = new StoragePool();
    const first = pool.run(() => {
      const a = allocateOverwritten('float32', 6) as Float32Array;
      expect(Array.from(a)).toEqual([0, 0, 0, 0, 0, 0]); // fresh storage is zero
      a.fill(5);
      return a;
    });
    const again = pool.run(() => allocateOverwritten('float32', 6));
    expect(again).toBe(first);
    expect(Array.from(again)).toEqual([5, 5, 5, 5, 5, 5]);
    // Outside a pool it is ordinary zeroed storage.
    expect(Array.from(allocateOverwritten('float32', 3))).toEqual([0, 0, 0]);
  });

  it('lends each array once per run', () => {
    const pool = new StoragePool();
    pool.run(() => [allocate('float32', 8), allocate('float32', 8)]);
    const [a, b, c] = pool.run(() => [
      allocate('float32', 8),
      allocate('float32', 8),
      allocate('float32', 8),
    ]);
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('keeps only what the last run used', () => {
    const pool = new StoragePool();
    pool.run(() => [allocate('float32', 100), allocate('float32', 200)]);
    expect(pool.retainedBytes).toBe(1200);
    pool.run(() => allocate('float32', 100));
    expect(pool.retainedBytes).toBe(400);
    pool.run(() => 0);
    expect(pool.retainedBytes).toBe(0);
  });

  it('does not touch float64 storage', () => {
    const pool = new StoragePool({ poison: true });
    const a = pool.run(() => allocate('float64', 4));
    expect(a).toBeInstanceOf(Float64Array);
    expect(Array.from(a)).toEqual([0, 0, 0, 0]);
  });

  it('poison fills what it takes back with NaN; unpooled storage is not taken back', () => {
    const pool = new StoragePool({ poison: true });
    const [lent, kept] = pool.run(() => [
      allocate('float32', 4),
      unpooled(() => Tensor.zeros([4]).data),
    ]);
    expect(Array.from(lent).every(Number.isNaN)).toBe(true);
    expect(Array.from(kept)).toEqual([0, 0, 0, 0]);
  });

  it('takes arrays back when the function throws, and restores the allocator', () => {
    const pool = new StoragePool({ poison: true });
    let lent: Float32Array | undefined;
    expect(() =>
      pool.run(() => {
        lent = allocate('float32', 3) as Float32Array;
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Number.isNaN(lent![0])).toBe(true);
    const after = allocate('float32', 3);
    expect(after).not.toBe(lent);
  });

  it('makes new arrays with the allocator in force (shared memory for the workers)', () => {
    const made: number[] = [];
    const previous = setFloat32Allocator((n) => {
      made.push(n);
      return new Float32Array(new SharedArrayBuffer(n * 4));
    });
    try {
      const pool = new StoragePool();
      const [a, b] = pool.run(() => [
        allocate('float32', 5),
        unpooled(() => allocate('float32', 6)),
      ]);
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(b.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(made).toEqual([5, 6]);
      // After the run the outer allocator is back.
      allocate('float32', 7);
      expect(made).toEqual([5, 6, 7]);
    } finally {
      setFloat32Allocator(previous);
    }
  });

  it('runs do not nest', () => {
    const outer = new StoragePool();
    const inner = new StoragePool();
    expect(() => outer.run(() => inner.run(() => 0))).toThrow(/already running/);
    // The failed inner run left the outer pool's state intact.
    expect(outer.run(() => allocate('float32', 2)).length).toBe(2);
  });

  it("takes new arrays from the kernels' storage and gives them back when dropped", async () => {
    const wasm = await loadWasmKernels({});
    setKernels(wasm);
    const storage = wasm.poolStorage as WasmStorage;
    const before = storage.usedBytes;
    const pool = new StoragePool();
    const a = pool.run(() => allocate('float32', 1000));
    expect(storage.holds(a as Float32Array)).toBe(true);
    expect(storage.usedBytes).toBeGreaterThan(before);
    pool.run(() => allocate('float32', 1000)); // reused: nothing new
    const held = storage.usedBytes;
    pool.run(() => 0); // the unused array is dropped and given back
    expect(storage.usedBytes).toBe(before);
    pool.run(() => allocate('float32', 10));
    pool.clear();
    expect(storage.usedBytes).toBe(before);
    expect(held).toBeGreaterThan(before);
  });

  it("mode 'off' runs the function with the ordinary allocator", () => {
    setStoragePoolMode('off');
    const pool = new StoragePool();
    const a = pool.run(() => allocate('float32', 4));
    const b = pool.run(() => allocate('float32', 4));
    expect(a).not.toBe(b);
    expect(pool.retainedBytes).toBe(0);
  });
});

describe('the trainers keep the pool contract', () => {
  // Training with every taken-back array poisoned must match training without a pool, bit for
  // bit: anything a trainer kept past a step (optimizer state, gradients, best weights) would
  // otherwise read NaN or another step's numbers.
  function losses(train: () => { history: { trainLoss: number; valLoss: number }[] }): number[] {
    return train().history.flatMap((m) => [m.trainLoss, m.valLoss]);
  }

  it.each(['reference', 'wasm'] as const)(
    'full batch (GAT and GATv2) and mini-batch, %s kernels',
    async (which) => {
      if (which === 'wasm') setKernels(await loadWasmKernels());
      const karate = karateClub();
      const sbm = stochasticBlockModel({
        numNodes: 300,
        numEdges: 2400,
        numClasses: 4,
        numFeatures: 32,
        featuresPerNode: 4,
        seed: 5,
      });
      const runs = [
        () => trainNodeClassifier(karate, { ...paperRecipe('karate', 'gatv2'), epochs: 15 }),
        () => trainNodeClassifier(karate, { ...paperRecipe('karate', 'gat'), epochs: 15 }),
        () =>
          trainMiniBatch(
            sbm,
            { ...paperRecipe('cora', 'gatv2'), hidden: 4, heads: 2, epochs: 3 },
            { fanouts: [4, 4], batchSize: 64 },
          ),
      ];
      for (const train of runs) {
        setStoragePoolMode('off');
        const reference = losses(train);
        setStoragePoolMode('poison');
        const poisoned = losses(train);
        setStoragePoolMode('on');
        const pooled = losses(train);
        expect(reference.every(Number.isFinite)).toBe(true);
        expect(poisoned).toEqual(reference);
        expect(pooled).toEqual(reference);
      }
      const storage = kernels().poolStorage;
      if (which === 'wasm') {
        // The pooled runs took their arrays from the kernels' memory.
        expect(storage).toBeInstanceOf(WasmStorage);
        expect((storage as WasmStorage).lentCount).toBeGreaterThan(0);
      }
    },
  );
});
