/**
 * The output bias of the attention forward kernels (the epilogue that replaces the layer's
 * separate addRowVector pass), every implementation against an oracle built without it: the
 * reference forward with no bias, plus the bias added to every row afterwards. Shapes reach
 * each code path of the WebAssembly kernels — four heads at a time with C = 8, 4 and other
 * multiples of 4, one head (rows in registers, C ≤ 16, with and without a C mod 4 tail; rows
 * in memory, C > 16), heads as lanes, and the generic per-head code — with edge features and
 * dropout on and off, on graphs with targets that have no in-edges (whose row is the bias).
 */
import { describe, expect, it } from 'vitest';
import type {
  GatAttentionArgs,
  Gatv2AttentionArgs,
  Kernels,
  TargetCsr,
} from '../../src/kernels/kernels.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import {
  randomF32,
  randomGatArgs,
  randomGatv2Args,
  randomTargetGraph,
} from '../helpers/attention-inputs.js';
import { implementations } from '../helpers/implementations.js';

const F32 = { atol: 1e-4, rtol: 1e-4 };

/**
 * Every implementation, and the WebAssembly kernels once more with tiny chunks and every
 * target's source rows gathered (the one-head kernels' per-target path).
 */
const instances: Kernels[] = [
  ...implementations,
  await loadWasmKernels({ chunkBytes: 2048, gatherMinSourceBytes: 0 }),
];
const nameOf = (k: Kernels, index: number): string =>
  index === implementations.length ? 'wasm-chunked-gathered' : k.name;

/** [H, C] and the path each takes in the WebAssembly kernels. */
const shapes: [number, number, string][] = [
  [8, 8, 'four heads, C = 8'],
  [4, 4, 'four heads, C = 4'],
  [4, 12, 'four heads, other C'],
  [1, 7, 'one head, row in registers, C mod 4 = 3'],
  [1, 4, 'one head, one vector'],
  [1, 16, 'one head, four vectors'],
  [1, 22, 'one head, row in memory'],
  [8, 3, 'heads as lanes, C = 3'],
  [4, 6, 'heads as lanes'],
  [3, 5, 'generic'],
  [2, 8, 'generic, C a multiple of 4'],
];

interface Case {
  readonly heads: number;
  readonly channels: number;
  readonly path: string;
  readonly withEdge: boolean;
  readonly withDrop: boolean;
}

const cases: Case[] = [];
for (const [heads, channels, path] of shapes) {
  for (const withEdge of [false, true]) {
    for (const withDrop of [false, true]) cases.push({ heads, channels, path, withEdge, withDrop });
  }
}

const label = (c: Case): string =>
  `H=${c.heads} C=${c.channels} (${c.path}) edge=${c.withEdge} drop=${c.withDrop}`;

/**
 * 9 in-edges at most (so one-head targets span blocks of four), a quarter without; the first
 * and the last target always without.
 */
function randomGraph(rng: Random): TargetCsr {
  const inner = randomTargetGraph(19, 21, rng, 30, {
    hub: 3,
    empty: 0.25,
    maxDegree: 9,
    duplicates: 0.1,
  });
  const E = inner.src.length;
  const ptr = Int32Array.from([0, ...inner.ptr, E]);
  return { numSrc: inner.numSrc, numDst: inner.numDst + 2, ptr, src: inner.src };
}

/** out + bias on every row, rounded as `out` stores it. */
function withBias<T extends Float32Array | Float64Array>(out: T, bias: ArrayLike<number>): T {
  const result = out.slice() as T;
  for (let k = 0; k < result.length; k++) result[k] = out[k]! + bias[k % bias.length]!;
  return result;
}

/** The bias in a SharedArrayBuffer, as the parallel kernels' callers may hand it over. */
function shared(a: Float32Array): Float32Array {
  const s = new Float32Array(new SharedArrayBuffer(a.byteLength + 16), 0, a.length);
  s.set(a);
  return s;
}

type Forward<A> = (k: Kernels, args: A, out: Float32Array, alpha: Float32Array) => void;

/**
 * Runs `forward` with `bias` on every instance (the bias in an ordinary and in a shared
 * buffer), each into an output full of garbage, against the oracle.
 */
function checkAll<A extends { bias?: Float32Array | Float64Array | null }>(
  args: A,
  numDst: number,
  width: number,
  alphaLength: number,
  forward: Forward<A>,
  bias: Float32Array,
  rng: Random,
): void {
  const plain = { out: new Float32Array(numDst * width), alpha: new Float32Array(alphaLength) };
  forward(referenceKernels, { ...args, bias: null }, plain.out, plain.alpha);
  const expected = withBias(plain.out, bias);
  const before = Float32Array.from(bias);
  instances.forEach((kernels, index) => {
    for (const b of [bias, shared(bias)]) {
      const what = `${nameOf(kernels, index)}${b === bias ? '' : ' shared bias'}`;
      const out = randomF32(numDst * width, rng, 100);
      const alpha = randomF32(alphaLength, rng, 100);
      forward(kernels, { ...args, bias: b }, out, alpha);
      expectAllClose(out, expected, F32, `${what} out`);
      expectAllClose(alpha, plain.alpha, F32, `${what} alpha`);
      expect(Array.from(b), `${what}: the bias is left as it was`).toEqual(Array.from(before));
    }
  });
}

const gatv2Forward: Forward<Gatv2AttentionArgs> = (k, args, out, alpha) =>
  k.gatv2AttentionForward(args, { out, alpha });
const gatForward: Forward<GatAttentionArgs> = (k, args, out, alpha) =>
  k.gatAttentionForward(args, { out, alpha });

describe('GATv2 attention forward with an output bias', () => {
  cases.forEach((c, index) => {
    it(label(c), () => {
      const rng = new Random(1300 + index);
      const { heads: H, channels: C } = c;
      const HC = H * C;
      const graph = randomGraph(rng);
      const E = graph.src.length;
      const args: Gatv2AttentionArgs = randomGatv2Args(graph, c, rng);
      checkAll(args, graph.numDst, HC, E * H, gatv2Forward, randomF32(HC, rng, 3), rng);
    });
  });
});

describe('GAT attention forward with an output bias', () => {
  cases.forEach((c, index) => {
    it(label(c), () => {
      const rng = new Random(1500 + index);
      const { heads: H, channels: C } = c;
      const HC = H * C;
      const graph = randomGraph(rng);
      const E = graph.src.length;
      const args: GatAttentionArgs = randomGatArgs(graph, c, rng);
      checkAll(args, graph.numDst, HC, E * H, gatForward, randomF32(HC, rng, 3), rng);
    });
  });
});

describe('attention forward with an output bias in float64', () => {
  // The fast kernels hand float64 to the reference, which adds the bias after the sum: the
  // result is exactly the unbiased output plus the bias, as the layer's separate pass gave.
  const rng = new Random(1700);
  const [H, C] = [2, 3];
  const HC = H * C;
  const graph = randomGraph(rng);
  const E = graph.src.length;
  const f64 = (length: number, scale = 1): Float64Array =>
    Float64Array.from(randomF32(length, rng, scale));
  const bias = f64(HC, 3);

  function check(forward: (k: Kernels, out: Float64Array, withBias: boolean) => void): void {
    const plain = new Float64Array(graph.numDst * HC);
    forward(referenceKernels, plain, false);
    const expected = withBias(plain, bias);
    for (const kernels of instances) {
      const out = new Float64Array(graph.numDst * HC);
      forward(kernels, out, true);
      expect(Array.from(out), kernels.name).toEqual(Array.from(expected));
    }
  }

  it('GATv2: exactly out + bias on every implementation', () => {
    const args: Gatv2AttentionArgs = {
      graph,
      heads: H,
      channels: C,
      xl: f64(graph.numSrc * HC),
      xr: f64(graph.numDst * HC),
      edge: null,
      att: f64(HC),
      negativeSlope: 0.2,
      dropScale: null,
    };
    check((k, out, b) =>
      k.gatv2AttentionForward(
        { ...args, bias: b ? bias : null },
        { out, alpha: new Float64Array(E * H) },
      ),
    );
  });

  it('GAT: exactly out + bias on every implementation', () => {
    const args: GatAttentionArgs = {
      graph,
      heads: H,
      channels: C,
      x: f64(graph.numSrc * HC),
      scoreSrc: f64(graph.numSrc * H, 2),
      scoreDst: f64(graph.numDst * H, 2),
      scoreEdge: null,
      negativeSlope: 0.2,
      dropScale: null,
    };
    check((k, out, b) =>
      k.gatAttentionForward(
        { ...args, bias: b ? bias : null },
        { out, alpha: new Float64Array(E * H) },
      ),
    );
  });
});
