/**
 * Element-wise kernels (hash dropout, ELU and its backward, the finiteness scan), every
 * implementation against float64 oracles; lengths that break SIMD tails, and a WebAssembly
 * instance with tiny chunks so arrays stream through the arena in pieces.
 */
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../../src/kernels/kernels.js';
import { dropoutHash, dropoutMask } from '../../src/kernels/reference/elementwise.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { type DType, type FloatArray, allocate } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { implementations } from '../helpers/implementations.js';

const chunked = { ...(await loadWasmKernels({ chunkBytes: 64 })), name: 'wasm-chunked' };
const ALL: Kernels[] = [...implementations, chunked];
const LENGTHS = [0, 1, 3, 4, 5, 17, 64, 1001];
const DTYPES: DType[] = ['float32', 'float64'];

function randomArray(dtype: DType, length: number, rng: Random, scale = 3): FloatArray {
  const a = allocate(dtype, length);
  for (let i = 0; i < length; i++) a[i] = rng.uniformIn(-scale, scale);
  return a;
}

describe('dropoutHash', () => {
  it('is a fixed function of seeds and index (known values pin the bits)', () => {
    const values = [0, 1, 2, 3].map((i) => dropoutHash(0x12345678, 0x9abcdef0, i));
    expect(values).toEqual([0, 1, 2, 3].map((i) => dropoutHash(0x12345678, 0x9abcdef0, i)));
    for (const v of values) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    expect(new Set(values).size).toBe(4);
    expect(dropoutHash(1, 2, 5)).not.toBe(dropoutHash(1, 3, 5));
    expect(dropoutHash(1, 2, 5)).not.toBe(dropoutHash(2, 2, 5));
  });

  it('the threshold is ceil(p · 2^32), capped below 2^32', () => {
    expect(dropoutMask(0.5, 1, 2).threshold).toBe(2 ** 31);
    expect(dropoutMask(1 - 2 ** -40, 1, 2).threshold).toBe(2 ** 32 - 1);
    expect(dropoutMask(0.25, -1, 2).seedLo).toBe(2 ** 32 - 1);
  });
});

describe.each(ALL.map((k) => [k.name, k] as const))('%s dropout', (_, k) => {
  it.each(DTYPES)('matches the hash oracle bit for bit (%s, with and without x)', (dtype) => {
    const rng = new Random(3);
    for (const length of LENGTHS) {
      const mask = dropoutMask(0.4, rng.nextUint32(), rng.nextUint32());
      const keep = dtype === 'float32' ? Math.fround(1 / 0.6) : 1 / 0.6;
      const x = randomArray(dtype, length, rng);
      const out = allocate(dtype, length + 1).fill(7);
      const factors = allocate(dtype, length + 1).fill(7);
      k.dropout(mask, x, out, length);
      k.dropout(mask, null, factors, length);
      const expectedFactors = allocate(dtype, length);
      const expected = allocate(dtype, length);
      for (let i = 0; i < length; i++) {
        const f = dropoutHash(mask.seedLo, mask.seedHi, i) < mask.threshold ? 0 : keep;
        expectedFactors[i] = f;
        expected[i] = x[i]! * f;
      }
      expect(Array.from(factors.subarray(0, length))).toEqual(Array.from(expectedFactors));
      expect(Array.from(out.subarray(0, length))).toEqual(Array.from(expected));
      expect(out[length]).toBe(7);
      expect(factors[length]).toBe(7);
    }
  });

  it('drops about a fraction p', () => {
    const n = 100_000;
    const out = new Float32Array(n);
    k.dropout(dropoutMask(0.6, 11, 22), null, out, n);
    let zeros = 0;
    for (const v of out) if (v === 0) zeros++;
    expect(zeros / n).toBeGreaterThan(0.59);
    expect(zeros / n).toBeLessThan(0.61);
  });
});

// The WebAssembly kernels hash by blocks of 65536 indices (one key per block). Chunks of
// 4099 elements (8198 without x) start off a multiple of 4, so some vector straddles a block.
const oddChunks = {
  ...(await loadWasmKernels({ chunkBytes: 4 * 2 * 4099 })),
  name: 'wasm-odd-chunks',
};
const BLOCKS = [...ALL, oddChunks];

describe('dropout across blocks of 65536 indices', () => {
  it.each(BLOCKS.map((k) => [k.name, k] as const))('matches the hash oracle (%s)', (_, k) => {
    const rng = new Random(21);
    const length = 2 * 65536 + 13;
    const mask = dropoutMask(0.5, rng.nextUint32(), rng.nextUint32());
    const keep = Math.fround(1 / 0.5);
    const x = randomArray('float32', length, rng);
    const expectedFactors = new Float32Array(length);
    const expected = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      const f = dropoutHash(mask.seedLo, mask.seedHi, i) < mask.threshold ? 0 : keep;
      expectedFactors[i] = f;
      expected[i] = x[i]! * f;
    }
    const out = new Float32Array(length);
    const factors = new Float32Array(length);
    k.dropout(mask, x, out, length);
    k.dropout(mask, null, factors, length);
    // First differing element (Object.is, so −0 ≠ 0), −1 when all match.
    expect(factors.findIndex((v, i) => !Object.is(v, expectedFactors[i]))).toBe(-1);
    expect(out.findIndex((v, i) => !Object.is(v, expected[i]))).toBe(-1);
  });

  it.each(ALL.map((k) => [k.name, k] as const))('dropoutCsr keeping all or none (%s)', (_, k) => {
    // Every row offset then comes from all-kept or all-dropped groups of four.
    for (const [p, all] of [
      [0, true],
      [1 - 2 ** -33, false],
    ] as const) {
      for (const sizes of [[4, 0, 4, 8], [0, 0], [3, 1, 5, 0, 2], [1]]) {
        const rowPtr = Int32Array.from([
          0,
          ...sizes.map((_, r) => sizes.slice(0, r + 1).reduce((s, v) => s + v)),
        ]);
        const nnz = rowPtr[sizes.length]!;
        const a = {
          rows: sizes.length,
          cols: 9,
          rowPtr,
          colIdx: Int32Array.from({ length: nnz }, (_, q) => q % 9),
          values: Float32Array.from({ length: nnz }, (_, q) => q + 1),
        };
        const outPtr = new Int32Array(sizes.length + 1).fill(-1);
        const outIdx = new Int32Array(nnz).fill(-1);
        const outValues = new Float32Array(nnz).fill(-1);
        const kept = k.dropoutCsr(dropoutMask(p, 5, 6), a, outPtr, outIdx, outValues);
        expect(kept).toBe(all ? nnz : 0);
        expect(Array.from(outPtr)).toEqual(Array.from(rowPtr, (v) => (all ? v : 0)));
        if (all) expect(outValues).toEqual(a.values);
        if (all) expect(outIdx).toEqual(a.colIdx);
      }
    }
  });

  it.each(ALL.map((k) => [k.name, k] as const))('dropoutCsr too (%s)', (_, k) => {
    const rng = new Random(22);
    for (const offset of [65533, 131070]) {
      // Rows of 0–6 entries after `offset` unused ones, over the block boundary.
      const rows = 3000;
      const rowPtr = new Int32Array(rows + 1);
      rowPtr[0] = offset;
      for (let r = 0; r < rows; r++) rowPtr[r + 1] = rowPtr[r]! + Math.floor(rng.uniformIn(0, 7));
      const nnz = rowPtr[rows]!;
      const colIdx = new Int32Array(nnz).map(() => Math.floor(rng.uniformIn(0, 50)));
      const a = { rows, cols: 50, rowPtr, colIdx, values: randomArray('float32', nnz, rng) };
      const mask = dropoutMask(0.5, rng.nextUint32(), rng.nextUint32());
      const keep = Math.fround(1 / 0.5);
      const stored = nnz - offset;
      const outPtr = new Int32Array(rows + 1);
      const outIdx = new Int32Array(stored);
      const outValues = new Float32Array(stored);
      const kept = k.dropoutCsr(mask, a, outPtr, outIdx, outValues);
      const idx: number[] = [];
      const vals: number[] = [];
      for (let q = offset; q < nnz; q++) {
        if (dropoutHash(mask.seedLo, mask.seedHi, q) < mask.threshold) continue;
        idx.push(colIdx[q]!);
        vals.push(Math.fround(a.values[q]! * keep));
      }
      expect(kept).toBe(idx.length);
      expect(outPtr[rows]).toBe(kept);
      expect(Array.from(outIdx.subarray(0, kept))).toEqual(idx);
      expect(Array.from(outValues.subarray(0, kept))).toEqual(vals);
    }
  });
});

describe.each(ALL.map((k) => [k.name, k] as const))('%s dropoutCsr', (_, k) => {
  /** Random sparse rows (some empty); `offset` unused entries before the first row. */
  function randomCsr(dtype: DType, rows: number, cols: number, rng: Random, offset: number) {
    const rowPtr = new Int32Array(rows + 1);
    rowPtr[0] = offset;
    for (let r = 0; r < rows; r++) rowPtr[r + 1] = rowPtr[r]! + Math.floor(rng.uniformIn(0, 7));
    const nnz = rowPtr[rows]!;
    const colIdx = new Int32Array(nnz);
    for (let q = 0; q < nnz; q++) colIdx[q] = Math.floor(rng.uniformIn(0, cols));
    return { rows, cols, rowPtr, colIdx, values: randomArray(dtype, nnz, rng) };
  }

  it.each(DTYPES)('keeps exactly what dense dropout keeps, in order (%s)', (dtype) => {
    const rng = new Random(8);
    for (const [rows, offset] of [
      [0, 0],
      [1, 0],
      [7, 0],
      [50, 3],
      [301, 0],
    ] as const) {
      const a = randomCsr(dtype, rows, 40, rng, offset);
      const mask = dropoutMask(0.6, rng.nextUint32(), rng.nextUint32());
      const stored = a.rowPtr[rows]! - offset;
      const outPtr = new Int32Array(rows + 1).fill(-1);
      const outIdx = new Int32Array(stored + 1).fill(-1);
      const outValues = allocate(dtype, stored + 1).fill(7);
      const kept = k.dropoutCsr(mask, a, outPtr, outIdx, outValues);
      // The oracle: dense dropout factors of every stored value, by its index in values.
      const factors = allocate(dtype, a.values.length);
      k.dropout(mask, null, factors, a.values.length);
      const ptr = [0];
      const idx: number[] = [];
      const vals: number[] = [];
      for (let r = 0; r < rows; r++) {
        for (let q = a.rowPtr[r]!; q < a.rowPtr[r + 1]!; q++) {
          if (factors[q] === 0) continue;
          idx.push(a.colIdx[q]!);
          const v = factors[q]! * a.values[q]!;
          vals.push(dtype === 'float32' ? Math.fround(v) : v);
        }
        ptr.push(idx.length);
      }
      expect(kept).toBe(idx.length);
      expect(Array.from(outPtr)).toEqual(ptr);
      expect(Array.from(outIdx.subarray(0, kept))).toEqual(idx);
      expect(Array.from(outValues.subarray(0, kept))).toEqual(vals);
      expect(outIdx[stored]).toBe(-1); // nothing written past the buffers' length
      expect(outValues[stored]).toBe(7);
      if (rows === 301) expect(kept / stored).toBeGreaterThan(0.3);
    }
  });
});

describe.each(ALL.map((k) => [k.name, k] as const))('%s firstNonFinite', (_, k) => {
  it.each(DTYPES)('finds the first NaN or ±∞ wherever it is, or −1 (%s)', (dtype) => {
    const rng = new Random(31);
    for (const length of [...LENGTHS, 4099]) {
      const x = randomArray(dtype, length, rng, 3e38 / 4);
      if (length > 2) x[1] = -0;
      expect(k.firstNonFinite(x, length), `${k.name} length ${length}`).toBe(-1);
      // Every position of a few SIMD blocks and the tail, each kind of offender, and a second
      // offender after the first.
      const positions = new Set(
        [0, length - 1, length >> 1, 15, 16, 17, 63, 4096].filter((p) => p < length),
      );
      for (const at of positions) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const y = x.slice();
          y[at] = bad;
          if (at + 5 < length) y[at + 5] = NaN;
          expect(k.firstNonFinite(y, length), `${k.name} ${bad} at ${at} of ${length}`).toBe(at);
          // Past `length` nothing counts.
          expect(k.firstNonFinite(y, at)).toBe(-1);
        }
      }
    }
  });
});

describe.each(ALL.map((k) => [k.name, k] as const))('%s elu', (_, k) => {
  it.each(DTYPES)('forward and backward against float64 (%s)', (dtype) => {
    const rng = new Random(5);
    const tol = dtype === 'float32' ? { atol: 1e-6, rtol: 1e-6 } : { atol: 1e-15, rtol: 1e-14 };
    for (const length of LENGTHS) {
      for (const alpha of [1, 0.5]) {
        const x = randomArray(dtype, length, rng);
        // Exactly 0, tiny values and the polynomial / exp switch-over points.
        const specials = [0, -0, 1e-7, -1e-7, -0.5, 0.5, -0.4999, -20, -100];
        for (let i = 0; i < Math.min(length, specials.length); i++) x[i] = specials[i]!;
        const g = randomArray(dtype, length, rng);
        const y = allocate(dtype, length + 1).fill(9);
        const dx = allocate(dtype, length + 1).fill(9);
        k.elu(x, alpha, y, length);
        k.eluBackward(x, g, alpha, dx, length);
        const ey = Array.from(x, (v) => (v > 0 ? v : alpha * Math.expm1(v)));
        const edx = Array.from(x, (v, i) => g[i]! * (v > 0 ? 1 : alpha * Math.exp(v)));
        expectAllClose(y.subarray(0, length), ey, tol, `${k.name} elu n=${length}`);
        expectAllClose(dx.subarray(0, length), edx, tol, `${k.name} eluBackward n=${length}`);
        expect([y[length], dx[length]]).toEqual([9, 9]);
        // From the output as well: alpha·eˣ = y + alpha, no exponential.
        const dxo = allocate(dtype, length + 1).fill(9);
        k.eluBackwardFromOutput(x, y, g, alpha, dxo, length);
        expectAllClose(
          dxo.subarray(0, length),
          edx,
          tol,
          `${k.name} eluBackwardFromOutput n=${length}`,
        );
        expect(dxo[length]).toBe(9);
      }
    }
  });

  it('alpha above 1, and inputs far out (float32)', () => {
    // alpha > 1 takes its own path in the WebAssembly kernel; e^x − 1 rounds to −1 below
    // about −17, e^x underflows near −88.
    const rng = new Random(9);
    const tol = { atol: 1e-6, rtol: 1e-6 };
    const far = [-1e30, -Infinity, Infinity, 1e30, -88.5, -87.5, -30, -17.5, -1e-30, 1e-30];
    for (const alpha of [1.5, 2, 0.25]) {
      for (const length of [3, 13, 64]) {
        const x = randomArray('float32', length, rng, 8);
        for (let i = 0; i < length; i += 3) x[i] = far[(i / 3) % far.length]!;
        const g = randomArray('float32', length, rng);
        const y = new Float32Array(length);
        const dx = new Float32Array(length);
        const dxo = new Float32Array(length);
        k.elu(x, alpha, y, length);
        k.eluBackward(x, g, alpha, dx, length);
        k.eluBackwardFromOutput(x, y, g, alpha, dxo, length);
        const ey = Array.from(x, (v) => (v > 0 ? v : alpha * Math.expm1(v)));
        const edx = Array.from(x, (v, i) => g[i]! * (v > 0 ? 1 : alpha * Math.exp(v)));
        expectAllClose(y, ey, tol, `${k.name} elu alpha=${alpha} n=${length}`);
        expectAllClose(dx, edx, tol, `${k.name} eluBackward alpha=${alpha} n=${length}`);
        expectAllClose(dxo, edx, tol, `${k.name} eluBackwardFromOutput alpha=${alpha}`);
      }
    }
  });

  it('keeps NaN as NaN', () => {
    const x = Float32Array.from([NaN, 1, -1, NaN, NaN]);
    const y = new Float32Array(5);
    const dx = new Float32Array(5);
    k.elu(x, 1, y, 5);
    k.eluBackward(x, new Float32Array(5).fill(1), 1, dx, 5);
    expect([y[0], y[3], y[4], dx[0], dx[4]].every(Number.isNaN)).toBe(true);
    const dxo = new Float32Array(5);
    k.eluBackwardFromOutput(x, y, new Float32Array(5).fill(1), 1, dxo, 5);
    expect([dxo[0], dxo[3], dxo[4]].every(Number.isNaN)).toBe(true);
  });
});

describe.each(ALL.map((k) => [k.name, k] as const))('%s adamStep', (_, k) => {
  it.each(DTYPES)('in place and into an update buffer, against float64 Adam (%s)', (dtype) => {
    const rng = new Random(13);
    const tol = dtype === 'float32' ? { atol: 1e-6, rtol: 1e-5 } : { atol: 1e-14, rtol: 1e-12 };
    for (const length of LENGTHS) {
      for (const weightDecay of [0, 0.01]) {
        const args = {
          lr: 0.01,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay,
          biasCorrection1: 1 - 0.9 ** 3,
          sqrtBiasCorrection2: Math.sqrt(1 - 0.999 ** 3),
        };
        const p = randomArray(dtype, length, rng, 1);
        const g = randomArray(dtype, length, rng, 1);
        const m = randomArray(dtype, length, rng, 0.1);
        const v = randomArray(dtype, length, rng, 0.1).map(Math.abs);
        const em = new Float64Array(length);
        const ev = new Float64Array(length);
        const ep = new Float64Array(length);
        const eu = new Float64Array(length);
        for (let j = 0; j < length; j++) {
          const gj = g[j]! + weightDecay * p[j]!;
          em[j] = 0.9 * m[j]! + 0.1 * gj;
          ev[j] = 0.999 * v[j]! + 0.001 * gj * gj;
          eu[j] =
            (-0.01 * em[j]!) /
            args.biasCorrection1 /
            (Math.sqrt(ev[j]!) / args.sqrtBiasCorrection2 + 1e-8);
          ep[j] = p[j]! + eu[j]!;
        }
        const label = `${k.name} adamStep n=${length} wd=${weightDecay}`;
        const [p1, m1, v1] = [p.slice(), m.slice(), v.slice()];
        k.adamStep(args, p1, g, m1, v1, null, length);
        expectAllClose(p1, ep, tol, `${label} θ`);
        expectAllClose(m1, em, tol, `${label} m`);
        expectAllClose(v1, ev, tol, `${label} v`);
        const [p2, m2, v2] = [p.slice(), m.slice(), v.slice()];
        const u = allocate(dtype, length);
        k.adamStep(args, p2, g, m2, v2, u, length);
        expect(Array.from(p2)).toEqual(Array.from(p));
        expectAllClose(u, eu, tol, `${label} update`);
        expectAllClose(m2, em, tol, `${label} m (update)`);
      }
    }
  });
});
