/**
 * The attention kernels for H and C multiples of 4 (assembly/attention-heads.ts) against the
 * reference: C = 4 and 8 (unrolled), other multiples of 4 (a head and up to four vectors at a
 * time), edge features and dropout on and off, hubs wider than the gather buffer, the
 * backward without its cache of per-edge dot products, and rows that are not finite where
 * their weight is 0, by dropout or by a score of −∞ (skipped, as the reference skips them).
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
import { residentWasmKernels } from '../helpers/resident.js';

const F32 = { atol: 1e-4, rtol: 1e-4 };

/** Each instance with a name; all run every case. */
const instances: [string, AttentionKernels][] = [];

beforeAll(async () => {
  instances.push(['wasm', await loadWasmKernels()]);
  instances.push(['chunked', await loadWasmKernels({ chunkBytes: 2048, gatherMinSourceBytes: 0 })]);
  instances.push(['resident', await residentWasmKernels('all')]);
  instances.push(['partly resident', await residentWasmKernels('some')]);
  instances.push(['uncached', await uncachedAttention(4096, 0)]);
});

/** 7 in-edges at most, 20 % of targets without, target 2 the hub. */
function randomGraph(numSrc: number, numDst: number, rng: Random, hubDegree: number): TargetCsr {
  return randomTargetGraph(numSrc, numDst, rng, hubDegree, {
    hub: 2,
    empty: 0.2,
    maxDegree: 7,
    duplicates: 0.15,
  });
}

interface Case {
  heads: number;
  channels: number;
  withEdge: boolean;
  withDrop: boolean;
  hubDegree: number;
}

const cases: Case[] = [];
for (const heads of [4, 8, 12]) {
  for (const channels of [4, 8, 12, 16, 20, 32]) {
    for (const withEdge of [false, true]) {
      for (const withDrop of [false, true]) {
        cases.push({ heads, channels, withEdge, withDrop, hubDegree: 0 });
      }
    }
  }
}
// Hubs wider than the gather buffer (128 KiB of rows: 512 at 8 × 8, 2048 at 4 × 4, 256 at
// 8 × 16), so that one target reads its rows in place where the others are gathered.
cases.push({ heads: 8, channels: 8, withEdge: true, withDrop: true, hubDegree: 600 });
cases.push({ heads: 8, channels: 8, withEdge: false, withDrop: false, hubDegree: 600 });
cases.push({ heads: 4, channels: 4, withEdge: false, withDrop: true, hubDegree: 2100 });
cases.push({ heads: 8, channels: 16, withEdge: true, withDrop: false, hubDegree: 300 });

const label = (c: Case): string =>
  `H=${c.heads} C=${c.channels} edge=${c.withEdge} drop=${c.withDrop}` +
  (c.hubDegree > 0 ? ` hub=${c.hubDegree}` : '');

function checkGatv2(args: Gatv2AttentionArgs, rng: Random, tolerance = F32): void {
  const { graph, heads: H, channels: C } = args;
  const HC = H * C;
  const E = graph.src.length;
  const expected = { out: randomF32(graph.numDst * HC, rng), alpha: randomF32(E * H, rng) };
  referenceKernels.gatv2AttentionForward(args, expected);
  const gradOut = randomF32(graph.numDst * HC, rng);
  const start = {
    gradXl: randomF32(graph.numSrc * HC, rng),
    gradXr: randomF32(graph.numDst * HC, rng),
    gradEdge: args.edge === null ? null : randomF32(E * HC, rng),
    gradAtt: randomF32(HC, rng),
  };
  const fresh = (): typeof start => ({
    gradXl: Float32Array.from(start.gradXl),
    gradXr: Float32Array.from(start.gradXr),
    gradEdge: copyOrNull(start.gradEdge),
    gradAtt: Float32Array.from(start.gradAtt),
  });
  const expectedGrad = fresh();
  referenceKernels.gatv2AttentionBackward(args, expected.alpha, gradOut, expectedGrad);
  for (const [name, kernels] of instances) {
    const actual = { out: randomF32(graph.numDst * HC, rng), alpha: new Float32Array(E * H) };
    kernels.gatv2AttentionForward(args, actual);
    expectAllClose(actual.out, expected.out, tolerance, `${name} out`);
    expectAllClose(actual.alpha, expected.alpha, tolerance, `${name} alpha`);
    const grad = fresh();
    kernels.gatv2AttentionBackward(args, expected.alpha, gradOut, grad);
    expectAllClose(grad.gradXl, expectedGrad.gradXl, tolerance, `${name} gradXl`);
    expectAllClose(grad.gradXr, expectedGrad.gradXr, tolerance, `${name} gradXr`);
    expectAllClose(grad.gradAtt, expectedGrad.gradAtt, tolerance, `${name} gradAtt`);
    if (grad.gradEdge !== null) {
      expectAllClose(grad.gradEdge, expectedGrad.gradEdge!, tolerance, `${name} gradEdge`);
    }
  }
}

function checkGat(args: GatAttentionArgs, gradOut: Float32Array, rng: Random): void {
  const { graph, heads: H, channels: C } = args;
  const HC = H * C;
  const E = graph.src.length;
  const expected = { out: randomF32(graph.numDst * HC, rng), alpha: randomF32(E * H, rng) };
  referenceKernels.gatAttentionForward(args, expected);
  const start = {
    gradX: randomF32(graph.numSrc * HC, rng),
    gradScoreSrc: randomF32(graph.numSrc * H, rng),
    gradScoreDst: randomF32(graph.numDst * H, rng),
    gradScoreEdge: args.scoreEdge === null ? null : randomF32(E * H, rng),
  };
  const fresh = (): typeof start => ({
    gradX: Float32Array.from(start.gradX),
    gradScoreSrc: Float32Array.from(start.gradScoreSrc),
    gradScoreDst: Float32Array.from(start.gradScoreDst),
    gradScoreEdge: copyOrNull(start.gradScoreEdge),
  });
  const expectedGrad = fresh();
  referenceKernels.gatAttentionBackward(args, expected.alpha, gradOut, expectedGrad);
  for (const [name, kernels] of instances) {
    const actual = { out: randomF32(graph.numDst * HC, rng), alpha: new Float32Array(E * H) };
    kernels.gatAttentionForward(args, actual);
    expectAllClose(actual.out, expected.out, F32, `${name} out`);
    expectAllClose(actual.alpha, expected.alpha, F32, `${name} alpha`);
    const grad = fresh();
    kernels.gatAttentionBackward(args, expected.alpha, gradOut, grad);
    expectAllClose(grad.gradX, expectedGrad.gradX, F32, `${name} gradX`);
    expectAllClose(grad.gradScoreSrc, expectedGrad.gradScoreSrc, F32, `${name} gradScoreSrc`);
    expectAllClose(grad.gradScoreDst, expectedGrad.gradScoreDst, F32, `${name} gradScoreDst`);
    if (grad.gradScoreEdge !== null) {
      expectAllClose(grad.gradScoreEdge, expectedGrad.gradScoreEdge!, F32, `${name} gradScoreEdge`);
    }
  }
}

describe('wasm GATv2 attention, H and C multiples of 4', () => {
  cases.forEach((c, index) => {
    it(label(c), () => {
      const rng = new Random(500 + index);
      const graph = randomGraph(19, 23, rng, c.hubDegree);
      checkGatv2(randomGatv2Args(graph, c, rng), rng);
    });
  });
});

describe('wasm GAT attention, H and C multiples of 4', () => {
  cases.forEach((c, index) => {
    it(label(c), () => {
      const rng = new Random(700 + index);
      const HC = c.heads * c.channels;
      const graph = randomGraph(19, 23, rng, c.hubDegree);
      checkGat(randomGatArgs(graph, c, rng), randomF32(graph.numDst * HC, rng), rng);
    });
  });
});

describe('wasm attention, H and C multiples of 4: rows with a weight of 0 are skipped', () => {
  for (const [H, C] of [
    [8, 8],
    [4, 4],
    [4, 12],
  ] as const) {
    it(`GAT H=${H} C=${C}: infinite x_j and g_i where dropout zeroes their weight`, () => {
      const rng = new Random(900 + H * C);
      const HC = H * C;
      const graph = randomGraph(19, 23, rng, 0);
      const E = graph.src.length;
      const x = randomF32(graph.numSrc * HC, rng);
      const gradOut = randomF32(graph.numDst * HC, rng);
      for (let k = 0; k < 6; k++) {
        x[Math.floor(rng.uniform() * x.length)] = k % 2 === 0 ? Infinity : -Infinity;
        gradOut[Math.floor(rng.uniform() * gradOut.length)] = Infinity;
      }
      const args: GatAttentionArgs = {
        graph,
        heads: H,
        channels: C,
        x,
        scoreSrc: randomF32(graph.numSrc * H, rng, 2),
        scoreDst: randomF32(graph.numDst * H, rng, 2),
        scoreEdge: null,
        negativeSlope: 0.2,
        dropScale: randomDropScale(E * H, rng),
      };
      const out = new Float32Array(graph.numDst * HC);
      referenceKernels.gatAttentionForward(args, { out, alpha: new Float32Array(E * H) });
      // The case is only a test if some output stayed finite thanks to the skipping.
      expect(out.some((v) => Number.isFinite(v))).toBe(true);
      expect(out.some((v) => !Number.isFinite(v))).toBe(true);
      checkGat(args, gradOut, rng);
    });
  }

  it('GATv2 H=8 C=8: a source row infinite in one head, its edges dropped there', () => {
    const rng = new Random(950);
    const [H, C] = [8, 8];
    const HC = H * C;
    const graph = randomGraph(19, 23, rng, 0);
    const E = graph.src.length;
    const xl = randomF32(graph.numSrc * HC, rng);
    // Source 3, head 5: an infinite channel; every edge from source 3 has head 5 dropped, and
    // its score there is −∞ where the attention vector is negative, so the head's α is 0.
    const att = randomF32(HC, rng);
    att[5 * C + 2] = -1;
    xl[3 * HC + 5 * C + 2] = Infinity;
    const dropScale = randomDropScale(E * H, rng);
    for (let p = 0; p < E; p++) if (graph.src[p] === 3) dropScale[p * H + 5] = 0;
    checkGatv2(
      {
        graph,
        heads: H,
        channels: C,
        xl,
        xr: randomF32(graph.numDst * HC, rng),
        edge: null,
        att,
        negativeSlope: 0.2,
        dropScale,
      },
      rng,
    );
  });
  // Without dropout a weight is 0 where exp underflows, here a score of −∞: the kernels then
  // take the path that skips rows, not the one for segments whose weights are all nonzero.
  for (const [H, C] of [
    [8, 8],
    [4, 4],
  ] as const) {
    it(`GATv2 H=${H} C=${C}: a source row infinite in one head, its score −∞ there`, () => {
      const rng = new Random(960 + H * C);
      const HC = H * C;
      const graph = randomGraph(19, 23, rng, 0);
      const xl = randomF32(graph.numSrc * HC, rng);
      const att = randomF32(HC, rng);
      att[2 * C + 1] = -1;
      xl[3 * HC + 2 * C + 1] = Infinity;
      const args: Gatv2AttentionArgs = {
        graph,
        heads: H,
        channels: C,
        xl,
        xr: randomF32(graph.numDst * HC, rng),
        edge: null,
        att,
        negativeSlope: 0.2,
        dropScale: null,
      };
      const out = new Float32Array(graph.numDst * HC);
      referenceKernels.gatv2AttentionForward(args, {
        out,
        alpha: new Float32Array(graph.src.length * H),
      });
      expect(out.every((v) => Number.isFinite(v))).toBe(true);
      checkGatv2(args, rng);
    });

    it(`GAT H=${H} C=${C}: a source row infinite in one head, its score −∞ there`, () => {
      const rng = new Random(990 + H * C);
      const HC = H * C;
      const graph = randomGraph(19, 23, rng, 0);
      const x = randomF32(graph.numSrc * HC, rng);
      const scoreSrc = randomF32(graph.numSrc * H, rng, 2);
      scoreSrc[3 * H + 2] = -Infinity;
      x[3 * HC + 2 * C + 1] = Infinity;
      const args: GatAttentionArgs = {
        graph,
        heads: H,
        channels: C,
        x,
        scoreSrc,
        scoreDst: randomF32(graph.numDst * H, rng, 2),
        scoreEdge: null,
        negativeSlope: 0.2,
        dropScale: null,
      };
      const out = new Float32Array(graph.numDst * HC);
      referenceKernels.gatAttentionForward(args, {
        out,
        alpha: new Float32Array(graph.src.length * H),
      });
      expect(out.every((v) => Number.isFinite(v))).toBe(true);
      checkGat(args, randomF32(graph.numDst * HC, rng), rng);
    });
  }
});
