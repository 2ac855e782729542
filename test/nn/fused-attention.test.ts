/**
 * The fused attention kernels against the composed reference (gather → add → LeakyReLU →
 * dot → segment softmax → scatter), forward and backward, and against finite differences;
 * with an output bias, against the composition followed by addRowVector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRowVector } from '../../src/autograd/ops/elementwise.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { type Variable, backward, parameter } from '../../src/autograd/variable.js';
import { kernels, setKernels } from '../../src/kernels/backend.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import type { EdgeIndex } from '../../src/graph/edge-index.js';
import { sortByTarget } from '../../src/graph/target-csr.js';
import {
  gatAttentionComposed,
  gatv2AttentionComposed,
} from '../../src/nn/functional/composed-attention.js';
import { gatAttention } from '../../src/nn/functional/gat-attention.js';
import { gatv2Attention } from '../../src/nn/functional/gatv2-attention.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { implementations } from '../helpers/implementations.js';
import { randomTensor } from '../helpers/random.js';

const tight = { atol: 1e-12, rtol: 1e-10 };

/** A random multigraph with duplicates, self-loops and (some) targets without in-edges. */
function randomGraph(numSrc: number, numDst: number, numEdges: number, seed: number): EdgeIndex {
  const rng = new Random(seed);
  const src = new Int32Array(numEdges);
  const dst = new Int32Array(numEdges);
  for (let e = 0; e < numEdges; e++) {
    src[e] = rng.int(numSrc);
    dst[e] = rng.int(Math.max(1, numDst - 2)); // the last two targets receive nothing
  }
  if (numEdges > 2) {
    src[1] = src[0]!;
    dst[1] = dst[0]!; // a duplicate edge
  }
  return { src, dst };
}

function permuteRows(t: Tensor, slotToEdge: Int32Array): Tensor {
  const width = t.size / slotToEdge.length;
  const out = Tensor.zeros(t.shape, t.dtype);
  for (let p = 0; p < slotToEdge.length; p++) {
    for (let k = 0; k < width; k++) out.data[p * width + k] = t.data[slotToEdge[p]! * width + k]!;
  }
  return out;
}

function dropScaleFor(length: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const s = new Float64Array(length);
  for (let i = 0; i < length; i++) s[i] = rng.uniform() < 0.3 ? 0 : 1 / 0.7;
  return s;
}

/** The gradients of `vars` after back-propagating `upstream` from run()'s output. */
function gradsOf(run: () => Variable, vars: readonly Variable[], upstream: Tensor): Tensor[] {
  vars.forEach((v) => v.zeroGrad());
  backward(run(), upstream);
  return vars.map((v) => v.grad ?? Tensor.zeros(v.shape, v.value.dtype));
}

const cases = [
  { heads: 1, channels: 1, edge: false, drop: false },
  { heads: 3, channels: 4, edge: false, drop: false },
  { heads: 2, channels: 5, edge: true, drop: false },
  { heads: 2, channels: 3, edge: true, drop: true },
  { heads: 8, channels: 8, edge: false, drop: true },
];

for (const impl of implementations) {
  describe(`fused attention (${impl.name} kernels)`, () => {
    let previous: Kernels;
    beforeAll(() => {
      previous = kernels();
      setKernels(impl);
    });
    afterAll(() => setKernels(previous));

    for (const c of cases) {
      const label = `H=${c.heads} C=${c.channels} edge=${c.edge} dropout=${c.drop}`;
      const numSrc = 7;
      const numDst = 6;
      const E = 20;
      const edges = randomGraph(numSrc, numDst, E, c.heads * 10 + c.channels);
      const { graph, edgeOfSlot } = sortByTarget(edges, numSrc, numDst);
      const HC = c.heads * c.channels;
      const dropEdgeOrder = c.drop ? dropScaleFor(E * c.heads, 5) : null;
      const dropSlot =
        dropEdgeOrder === null
          ? null
          : permuteRows(new Tensor(dropEdgeOrder, [E, c.heads]), edgeOfSlot).data;
      const opts = { heads: c.heads, channels: c.channels, negativeSlope: 0.2 };

      it(`GATv2 matches the composed reference, forward and backward: ${label}`, () => {
        const xl = parameter(randomTensor([numSrc, HC], 1));
        const xr = parameter(randomTensor([numDst, HC], 2));
        const att = parameter(randomTensor([1, c.heads, c.channels], 3));
        const edgeT = c.edge ? randomTensor([E, HC], 4) : null;
        const edgeE = edgeT === null ? null : parameter(edgeT);
        const edgeS = edgeT === null ? null : parameter(permuteRows(edgeT, edgeOfSlot));
        const upstream = randomTensor([numDst, HC], 6);

        const fused = gatv2Attention(graph, xl, xr, edgeS, att, { ...opts, dropScale: dropSlot });
        const ref = gatv2AttentionComposed(edges, xl, xr, edgeE, att, {
          heads: c.heads,
          numDst,
          negativeSlope: 0.2,
          dropScale: dropEdgeOrder,
        });
        expectAllClose(fused.out.data, ref.out.data, tight, 'out');
        expectAllClose(
          fused.alpha.data,
          permuteRows(ref.alpha.value, edgeOfSlot).data,
          tight,
          'alpha',
        );

        const grads = (run: () => Variable, vars: Variable[]): Tensor[] => {
          vars.forEach((v) => v.zeroGrad());
          backward(run(), upstream);
          return vars.map((v) => v.grad ?? Tensor.zeros(v.shape, 'float64'));
        };
        const shared = [xl, xr, att];
        const gf = grads(
          () => gatv2Attention(graph, xl, xr, edgeS, att, { ...opts, dropScale: dropSlot }).out,
          [...shared, ...(edgeS ? [edgeS] : [])],
        );
        const gr = grads(
          () =>
            gatv2AttentionComposed(edges, xl, xr, edgeE, att, {
              heads: c.heads,
              numDst,
              negativeSlope: 0.2,
              dropScale: dropEdgeOrder,
            }).out,
          [...shared, ...(edgeE ? [edgeE] : [])],
        );
        for (let k = 0; k < 3; k++)
          expectAllClose(gf[k]!.data, gr[k]!.data, tight, ['xl', 'xr', 'att'][k]);
        if (c.edge)
          expectAllClose(gf[3]!.data, permuteRows(gr[3]!, edgeOfSlot).data, tight, 'edge');
      });

      it(`GATv2 passes gradcheck: ${label}`, () => {
        const inputs = [
          randomTensor([numSrc, HC], 11),
          randomTensor([numDst, HC], 12),
          randomTensor([HC], 13),
        ];
        if (c.edge) inputs.push(randomTensor([E, HC], 14));
        const r = gradcheck(
          (xl, xr, att, edge) =>
            gatv2Attention(graph, xl, xr, edge ?? null, att, { ...opts, dropScale: dropSlot }).out,
          inputs,
        );
        expect(r.mismatches).toEqual([]);
      });

      it(`GAT matches the composed reference, forward and backward: ${label}`, () => {
        const x = parameter(randomTensor([numSrc, HC], 21));
        const s = parameter(randomTensor([numSrc, c.heads], 22));
        const t = parameter(randomTensor([numDst, c.heads], 23));
        const seT = c.edge ? randomTensor([E, c.heads], 24) : null;
        const seE = seT === null ? null : parameter(seT);
        const seS = seT === null ? null : parameter(permuteRows(seT, edgeOfSlot));
        const upstream = randomTensor([numDst, HC], 26);
        const composedOpts = {
          heads: c.heads,
          numDst,
          negativeSlope: 0.2,
          dropScale: dropEdgeOrder,
        };

        const fused = gatAttention(graph, x, s, t, seS, { ...opts, dropScale: dropSlot });
        const ref = gatAttentionComposed(edges, x, s, t, seE, composedOpts);
        expectAllClose(fused.out.data, ref.out.data, tight, 'out');
        expectAllClose(
          fused.alpha.data,
          permuteRows(ref.alpha.value, edgeOfSlot).data,
          tight,
          'alpha',
        );

        const vars = (se: Variable | null): Variable[] => [x, s, t, ...(se ? [se] : [])];
        const run = (v: Variable[], f: () => Variable): Tensor[] => {
          v.forEach((p) => p.zeroGrad());
          backward(f(), upstream);
          return v.map((p) => p.grad ?? Tensor.zeros(p.shape, 'float64'));
        };
        const gf = run(
          vars(seS),
          () => gatAttention(graph, x, s, t, seS, { ...opts, dropScale: dropSlot }).out,
        );
        const gr = run(
          vars(seE),
          () => gatAttentionComposed(edges, x, s, t, seE, composedOpts).out,
        );
        for (let k = 0; k < 3; k++)
          expectAllClose(gf[k]!.data, gr[k]!.data, tight, ['x', 'scoreSrc', 'scoreDst'][k]);
        if (c.edge)
          expectAllClose(gf[3]!.data, permuteRows(gr[3]!, edgeOfSlot).data, tight, 'scoreEdge');
      });

      it(`GAT passes gradcheck: ${label}`, () => {
        const inputs = [
          randomTensor([numSrc, HC], 31),
          randomTensor([numSrc, c.heads], 32),
          randomTensor([numDst, c.heads], 33),
        ];
        if (c.edge) inputs.push(randomTensor([E, c.heads], 34));
        const r = gradcheck(
          (x, s, t, se) =>
            gatAttention(graph, x, s, t, se ?? null, { ...opts, dropScale: dropSlot }).out,
          inputs,
        );
        expect(r.mismatches).toEqual([]);
      });

      it(`GATv2 with an output bias: composed + addRowVector, and gradcheck: ${label}`, () => {
        const xl = parameter(randomTensor([numSrc, HC], 71));
        const xr = parameter(randomTensor([numDst, HC], 72));
        const att = parameter(randomTensor([1, c.heads, c.channels], 73));
        const edgeT = c.edge ? randomTensor([E, HC], 74) : null;
        const edgeE = edgeT === null ? null : parameter(edgeT);
        const edgeS = edgeT === null ? null : parameter(permuteRows(edgeT, edgeOfSlot));
        const bias = parameter(randomTensor([HC], 75));
        const upstream = randomTensor([numDst, HC], 76);
        const fused = (): Variable =>
          gatv2Attention(graph, xl, xr, edgeS, att, { ...opts, dropScale: dropSlot, bias }).out;
        const composed = (): Variable =>
          addRowVector(
            gatv2AttentionComposed(edges, xl, xr, edgeE, att, {
              heads: c.heads,
              numDst,
              negativeSlope: 0.2,
              dropScale: dropEdgeOrder,
            }).out,
            bias,
          );
        // The last two targets have no in-edges: their rows are the bias.
        expectAllClose(fused().data, composed().data, tight, 'out');
        const gf = gradsOf(fused, [xl, xr, att, bias, ...(edgeS ? [edgeS] : [])], upstream);
        const gr = gradsOf(composed, [xl, xr, att, bias, ...(edgeE ? [edgeE] : [])], upstream);
        for (let k = 0; k < 4; k++)
          expectAllClose(gf[k]!.data, gr[k]!.data, tight, ['xl', 'xr', 'att', 'bias'][k]);
        if (c.edge)
          expectAllClose(gf[4]!.data, permuteRows(gr[4]!, edgeOfSlot).data, tight, 'edge');

        const inputs = [
          randomTensor([numSrc, HC], 81),
          randomTensor([numDst, HC], 82),
          randomTensor([HC], 83),
          randomTensor([HC], 84),
        ];
        if (c.edge) inputs.push(randomTensor([E, HC], 85));
        const r = gradcheck(
          (xl, xr, att, bias, edge) =>
            gatv2Attention(graph, xl, xr, edge ?? null, att, {
              ...opts,
              dropScale: dropSlot,
              bias,
            }).out,
          inputs,
        );
        expect(r.mismatches).toEqual([]);
      });

      it(`GAT with an output bias: composed + addRowVector, and gradcheck: ${label}`, () => {
        const x = parameter(randomTensor([numSrc, HC], 91));
        const s = parameter(randomTensor([numSrc, c.heads], 92));
        const t = parameter(randomTensor([numDst, c.heads], 93));
        const seT = c.edge ? randomTensor([E, c.heads], 94) : null;
        const seE = seT === null ? null : parameter(seT);
        const seS = seT === null ? null : parameter(permuteRows(seT, edgeOfSlot));
        const bias = parameter(randomTensor([1, HC], 95)); // any shape of H·C elements
        const upstream = randomTensor([numDst, HC], 96);
        const fused = (): Variable =>
          gatAttention(graph, x, s, t, seS, { ...opts, dropScale: dropSlot, bias }).out;
        const composed = (): Variable =>
          addRowVector(
            gatAttentionComposed(edges, x, s, t, seE, {
              heads: c.heads,
              numDst,
              negativeSlope: 0.2,
              dropScale: dropEdgeOrder,
            }).out,
            bias,
          );
        expectAllClose(fused().data, composed().data, tight, 'out');
        const gf = gradsOf(fused, [x, s, t, bias, ...(seS ? [seS] : [])], upstream);
        const gr = gradsOf(composed, [x, s, t, bias, ...(seE ? [seE] : [])], upstream);
        for (let k = 0; k < 4; k++)
          expectAllClose(gf[k]!.data, gr[k]!.data, tight, ['x', 'scoreSrc', 'scoreDst', 'bias'][k]);
        expect(gf[3]!.shape).toEqual([1, HC]);
        if (c.edge)
          expectAllClose(gf[4]!.data, permuteRows(gr[4]!, edgeOfSlot).data, tight, 'scoreEdge');

        const inputs = [
          randomTensor([numSrc, HC], 101),
          randomTensor([numSrc, c.heads], 102),
          randomTensor([numDst, c.heads], 103),
          randomTensor([HC], 104),
        ];
        if (c.edge) inputs.push(randomTensor([E, c.heads], 105));
        const r = gradcheck(
          (x, s, t, bias, se) =>
            gatAttention(graph, x, s, t, se ?? null, { ...opts, dropScale: dropSlot, bias }).out,
          inputs,
        );
        expect(r.mismatches).toEqual([]);
      });
    }

    it('an output bias of the wrong size or dtype is refused', () => {
      const edges = { src: Int32Array.from([0, 1]), dst: Int32Array.from([0, 0]) };
      const { graph } = sortByTarget(edges, 2, 2);
      const xl = parameter(randomTensor([2, 4], 111));
      const att = parameter(randomTensor([4], 112));
      const run = (bias: Variable): unknown =>
        gatv2Attention(graph, xl, xl, null, att, {
          heads: 2,
          channels: 2,
          negativeSlope: 0.2,
          dropScale: null,
          bias,
        });
      expect(() => run(parameter(randomTensor([3], 113)))).toThrow(/bias must have H·C = 4/);
      expect(() => run(parameter(randomTensor([4], 114, 'float32')))).toThrow(/dtype/);
    });

    it('a target with no incoming edge gets zeros and passes no gradient', () => {
      const edges = { src: Int32Array.from([0, 1]), dst: Int32Array.from([0, 0]) };
      const { graph } = sortByTarget(edges, 2, 2);
      const xl = parameter(randomTensor([2, 2], 41));
      const xr = parameter(randomTensor([2, 2], 42));
      const att = parameter(randomTensor([2], 43));
      const { out } = gatv2Attention(graph, xl, xr, null, att, {
        heads: 1,
        channels: 2,
        negativeSlope: 0.2,
        dropScale: null,
      });
      expect(Array.from(out.data.subarray(2))).toEqual([0, 0]);
      backward(out, Tensor.full([2, 2], 1, 'float64'));
      expect(Array.from(xr.grad!.data.subarray(2))).toEqual([0, 0]);
    });
  });
}

/** float32 kernels (where the fast implementations run) against the float64 composition. */
for (const impl of implementations) {
  describe(`fused attention in float32 (${impl.name} kernels)`, () => {
    let previous: Kernels;
    beforeAll(() => {
      previous = kernels();
      setKernels(impl);
    });
    afterAll(() => setKernels(previous));
    const loose = { atol: 2e-5, rtol: 2e-4 };
    const numSrc = 9;
    const numDst = 8;
    const E = 40;
    const edges = randomGraph(numSrc, numDst, E, 77);
    const { graph, edgeOfSlot } = sortByTarget(edges, numSrc, numDst);

    for (const c of cases) {
      const HC = c.heads * c.channels;
      it(`GATv2 and GAT: H=${c.heads} C=${c.channels} edge=${c.edge} dropout=${c.drop}`, () => {
        const dropEdgeOrder = c.drop ? dropScaleFor(E * c.heads, 6) : null;
        const dropSlot =
          dropEdgeOrder === null
            ? null
            : permuteRows(new Tensor(dropEdgeOrder, [E, c.heads]), edgeOfSlot);
        const composedOpts = {
          heads: c.heads,
          numDst,
          negativeSlope: 0.2,
          dropScale: dropEdgeOrder,
        };
        const opts = {
          heads: c.heads,
          channels: c.channels,
          negativeSlope: 0.2,
          dropScale: dropSlot === null ? null : dropSlot.to('float32').data,
        };
        const upstream = randomTensor([numDst, HC], 50);
        const f64 = [
          randomTensor([numSrc, HC], 51),
          randomTensor([numDst, HC], 52),
          randomTensor([HC], 53),
          randomTensor([E, HC], 54),
        ];
        const v64 = f64.map((t) => parameter(t));
        const v32 = f64.map((t, k) =>
          parameter(k === 3 ? permuteRows(t, edgeOfSlot).to('float32') : t.to('float32')),
        );
        const fused = gatv2Attention(
          graph,
          v32[0]!,
          v32[1]!,
          c.edge ? v32[3]! : null,
          v32[2]!,
          opts,
        );
        const ref = gatv2AttentionComposed(
          edges,
          v64[0]!,
          v64[1]!,
          c.edge ? v64[3]! : null,
          v64[2]!,
          composedOpts,
        );
        expectAllClose(fused.out.data, ref.out.data, loose, 'GATv2 out');
        backward(fused.out, upstream.to('float32'));
        backward(ref.out, upstream);
        for (let k = 0; k < 3; k++)
          expectAllClose(v32[k]!.grad!.data, v64[k]!.grad!.data, loose, `GATv2 grad ${k}`);

        const s64 = [
          randomTensor([numSrc, HC], 61),
          randomTensor([numSrc, c.heads], 62),
          randomTensor([numDst, c.heads], 63),
          randomTensor([E, c.heads], 64),
        ];
        const w64 = s64.map((t) => parameter(t));
        const w32 = s64.map((t, k) =>
          parameter(k === 3 ? permuteRows(t, edgeOfSlot).to('float32') : t.to('float32')),
        );
        const gf = gatAttention(graph, w32[0]!, w32[1]!, w32[2]!, c.edge ? w32[3]! : null, opts);
        const gr = gatAttentionComposed(
          edges,
          w64[0]!,
          w64[1]!,
          w64[2]!,
          c.edge ? w64[3]! : null,
          composedOpts,
        );
        expectAllClose(gf.out.data, gr.out.data, loose, 'GAT out');
        backward(gf.out, upstream.to('float32'));
        backward(gr.out, upstream);
        for (let k = 0; k < 3; k++)
          expectAllClose(w32[k]!.grad!.data, w64[k]!.grad!.data, loose, `GAT grad ${k}`);
      });
    }
  });
}
