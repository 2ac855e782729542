/**
 * Paths of the WebAssembly attention kernels that wasm.test.ts cannot reach through
 * loadWasmKernels: the backward kernels recomputing <g_i, x_j> in their second pass (their
 * cache of those dot products disabled), and rows skipped under dropout when the source row
 * is not finite. Shapes cover each code path: one head (C < 4, C mod 4 ≠ 0 below and above
 * 8, C = 16), heads as lanes (H a multiple of 4, C not) and four heads at a time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { GatAttentionArgs, Gatv2AttentionArgs, TargetCsr } from '../../src/kernels/kernels.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import {
  copyOrNull,
  randomDropScale,
  randomF32,
  randomGatArgs,
  randomGatv2Args,
  randomTargetGraph,
} from '../helpers/attention-inputs.js';
import { type AttentionKernels, uncachedAttention } from '../helpers/uncached-attention.js';

const F32 = { atol: 1e-4, rtol: 1e-4 };

/** Attention kernels without the backward cache: whole-graph and chunked-and-gathered. */
const instances: [string, AttentionKernels][] = [];

beforeAll(async () => {
  instances.push(['whole', await uncachedAttention(64 << 20, 2 * 1024 * 1024)]);
  instances.push(['chunked', await uncachedAttention(2048, 0)]);
});

/** 11 in-edges at most, 15 % of targets without, target 1 the hub. */
function randomGraph(numSrc: number, numDst: number, rng: Random, hubDegree: number): TargetCsr {
  return randomTargetGraph(numSrc, numDst, rng, hubDegree, {
    hub: 1,
    empty: 0.15,
    maxDegree: 11,
    duplicates: 0.1,
  });
}

const shapes = [
  [1, 3],
  [1, 7],
  [1, 13],
  [1, 16],
  [8, 3],
  [4, 6],
  [8, 8],
] as const;

describe('wasm attention backward without the dot-product cache', () => {
  shapes.forEach(([H, C], index) => {
    for (const withExtras of [false, true]) {
      it(`GATv2 H=${H} C=${C} edge/drop=${withExtras}`, () => {
        const rng = new Random(700 + 2 * index + (withExtras ? 1 : 0));
        const HC = H * C;
        const graph = randomGraph(21, 17, rng, 40);
        const E = graph.src.length;
        const args: Gatv2AttentionArgs = randomGatv2Args(
          graph,
          { heads: H, channels: C, withEdge: withExtras, withDrop: withExtras, dropP: 0.5 },
          rng,
        );
        const alpha = new Float32Array(E * H);
        referenceKernels.gatv2AttentionForward(args, {
          out: new Float32Array(graph.numDst * HC),
          alpha,
        });
        const gradOut = randomF32(graph.numDst * HC, rng);
        const start = {
          gradXl: randomF32(graph.numSrc * HC, rng),
          gradXr: randomF32(graph.numDst * HC, rng),
          gradEdge: withExtras ? randomF32(E * HC, rng) : null,
          gradAtt: randomF32(HC, rng),
        };
        const fresh = (): typeof start => ({
          gradXl: Float32Array.from(start.gradXl),
          gradXr: Float32Array.from(start.gradXr),
          gradEdge: copyOrNull(start.gradEdge),
          gradAtt: Float32Array.from(start.gradAtt),
        });
        const expected = fresh();
        referenceKernels.gatv2AttentionBackward(args, alpha, gradOut, expected);
        for (const [name, kernels] of instances) {
          const actual = fresh();
          kernels.gatv2AttentionBackward(args, alpha, gradOut, actual);
          expectAllClose(actual.gradXl, expected.gradXl, F32, `${name} gradXl`);
          expectAllClose(actual.gradXr, expected.gradXr, F32, `${name} gradXr`);
          expectAllClose(actual.gradAtt, expected.gradAtt, F32, `${name} gradAtt`);
          if (withExtras) {
            expectAllClose(actual.gradEdge!, expected.gradEdge!, F32, `${name} gradEdge`);
          }
        }
      });

      it(`GAT H=${H} C=${C} edge/drop=${withExtras}`, () => {
        const rng = new Random(900 + 2 * index + (withExtras ? 1 : 0));
        const HC = H * C;
        const graph = randomGraph(21, 17, rng, 40);
        const E = graph.src.length;
        const args: GatAttentionArgs = randomGatArgs(
          graph,
          { heads: H, channels: C, withEdge: withExtras, withDrop: withExtras, dropP: 0.5 },
          rng,
        );
        const alpha = new Float32Array(E * H);
        referenceKernels.gatAttentionForward(args, {
          out: new Float32Array(graph.numDst * HC),
          alpha,
        });
        const gradOut = randomF32(graph.numDst * HC, rng);
        const start = {
          gradX: randomF32(graph.numSrc * HC, rng),
          gradScoreSrc: randomF32(graph.numSrc * H, rng),
          gradScoreDst: randomF32(graph.numDst * H, rng),
          gradScoreEdge: withExtras ? randomF32(E * H, rng) : null,
        };
        const fresh = (): typeof start => ({
          gradX: Float32Array.from(start.gradX),
          gradScoreSrc: Float32Array.from(start.gradScoreSrc),
          gradScoreDst: Float32Array.from(start.gradScoreDst),
          gradScoreEdge: copyOrNull(start.gradScoreEdge),
        });
        const expected = fresh();
        referenceKernels.gatAttentionBackward(args, alpha, gradOut, expected);
        for (const [name, kernels] of instances) {
          const actual = fresh();
          kernels.gatAttentionBackward(args, alpha, gradOut, actual);
          expectAllClose(actual.gradX, expected.gradX, F32, `${name} gradX`);
          expectAllClose(actual.gradScoreSrc, expected.gradScoreSrc, F32, `${name} gradScoreSrc`);
          expectAllClose(actual.gradScoreDst, expected.gradScoreDst, F32, `${name} gradScoreDst`);
          if (withExtras) {
            expectAllClose(
              actual.gradScoreEdge!,
              expected.gradScoreEdge!,
              F32,
              `${name} gradScoreEdge`,
            );
          }
        }
      });
    }
  });
});

describe('wasm GAT forward skips rows whose weight is 0', () => {
  // Source 0's row is infinite and every edge from it is dropped: the reference skips those
  // rows (a weight of 0 times ∞ would be NaN), and so must every path of the kernels.
  shapes.forEach(([H, C], index) => {
    it(`H=${H} C=${C}`, () => {
      const rng = new Random(1100 + index);
      const HC = H * C;
      const graph = randomGraph(9, 23, rng, 30);
      const E = graph.src.length;
      const x = randomF32(graph.numSrc * HC, rng);
      x.fill(Infinity, 0, HC);
      const dropScale = randomDropScale(E * H, rng, 0.5);
      for (let p = 0; p < E; p++) if (graph.src[p] === 0) dropScale.fill(0, p * H, (p + 1) * H);
      const args: GatAttentionArgs = {
        graph,
        heads: H,
        channels: C,
        x,
        scoreSrc: randomF32(graph.numSrc * H, rng, 2),
        scoreDst: randomF32(graph.numDst * H, rng, 2),
        scoreEdge: null,
        negativeSlope: 0.2,
        dropScale,
      };
      const expected = { out: new Float32Array(graph.numDst * HC), alpha: new Float32Array(E * H) };
      referenceKernels.gatAttentionForward(args, expected);
      expect(expected.out.every(Number.isFinite)).toBe(true);
      for (const [name, kernels] of instances) {
        const actual = { out: new Float32Array(graph.numDst * HC), alpha: new Float32Array(E * H) };
        kernels.gatAttentionForward(args, actual);
        expectAllClose(actual.out, expected.out, F32, `${name} out`);
        expectAllClose(actual.alpha, expected.alpha, F32, `${name} alpha`);
      }
    });
  });
});

describe('attention with a small arena and the large arrays in pooled storage', () => {
  // 4 MiB of memory below the pool, less the static data: the arena holds per-chunk slices
  // but not the whole [numSrc, H·C] arrays. Those are in the pool and used in place, so the
  // kernels must run (not fall back to the reference) and give what a roomy instance gives.
  it('runs in WebAssembly, as an instance with room to spare does', async () => {
    const tight = await loadWasmKernels({ poolStorageBytes: 2 ** 31 - 4 * 2 ** 20, simd: 'plain' });
    const roomy = await loadWasmKernels({ simd: 'plain' });
    const storage = tight.poolStorage;
    if (storage === undefined) throw new Error('no pool storage');
    const pooled = (a: Float32Array): Float32Array => {
      const p = storage.allocate(a.length);
      if (p === null) throw new Error('the pool is full');
      p.set(a);
      return p;
    };
    const rng = new Random(77);
    const [N, H, C] = [9000, 8, 8];
    const graph = randomTargetGraph(N, N, rng, 40, {
      hub: 1,
      empty: 0.1,
      maxDegree: 11,
      duplicates: 0,
    });
    const args = randomGatv2Args(
      graph,
      { heads: H, channels: C, withEdge: false, withDrop: false },
      rng,
    );
    const g = randomF32(N * H * C, rng);
    const E = graph.src.length;
    // The whole-array operands of the backward (x^l and its gradient) are 4.6 MB together:
    // more than the arena, were they counted against it.
    expect(2 * N * H * C * 4).toBeGreaterThan(4 * 2 ** 20);
    const run = (k: typeof tight, inPool: boolean): Float32Array[] => {
      const place = inPool ? pooled : (a: Float32Array): Float32Array => a.slice();
      const a = { ...args, xl: place(args.xl), xr: place(args.xr), att: place(args.att) };
      const out = place(new Float32Array(N * H * C));
      const alpha = place(new Float32Array(E * H));
      k.gatv2AttentionForward(a, { out, alpha });
      const grads = {
        gradXl: place(new Float32Array(N * H * C)),
        gradXr: place(new Float32Array(N * H * C)),
        gradEdge: null,
        gradAtt: place(new Float32Array(H * C)),
      };
      k.gatv2AttentionBackward(a, alpha, place(g), grads);
      return [out, alpha, grads.gradXl, grads.gradXr, grads.gradAtt].map((x) => x.slice());
    };
    const want = run(roomy, false);
    const got = run(tight, true);
    const reference = run(referenceKernels, false);
    // Bit for bit the roomy instance's: the reference's float32 results differ in the last bits.
    const names = ['out', 'alpha', 'gradXl', 'gradXr', 'gradAtt'];
    const mismatches = (x: Float32Array, y: Float32Array): number => {
      let n = 0;
      for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) n++;
      return n;
    };
    got.forEach((x, i) => expect(mismatches(x, want[i]!), names[i]).toBe(0));
    expect(reference.some((x, i) => mismatches(x, want[i]!) > 0)).toBe(true);
    got.forEach((x, i) => expectAllClose(x, reference[i]!, F32));
  });
});
