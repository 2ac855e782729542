/**
 * GATConv and GATv2Conv as whole layers: finite-difference gradients of every parameter and
 * input across options, the properties attention must have, and errors for bad input.
 */
import { describe, expect, it } from 'vitest';
import { gradcheckVariables } from '../../src/autograd/gradcheck.js';
import {
  type Variable,
  backward,
  constant,
  noGrad,
  parameter,
} from '../../src/autograd/variable.js';
import { kernels, setKernels } from '../../src/kernels/backend.js';
import type { CsrMatrix, Kernels } from '../../src/kernels/kernels.js';
import { dropout } from '../../src/autograd/ops/dropout.js';
import { GATConv, type GATConvOptions } from '../../src/nn/gat-conv.js';
import { GATv2Conv, type GATv2ConvOptions } from '../../src/nn/gatv2-conv.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { randomTensor } from '../helpers/random.js';

type Layer = GATConv | GATv2Conv;
type LayerKind = 'GATConv' | 'GATv2Conv';
const make = (kind: LayerKind, o: GATv2ConvOptions & GATConvOptions): Layer =>
  kind === 'GATConv' ? new GATConv(o) : new GATv2Conv(o);

// 6 nodes; node 5 has no incoming edge; one self-loop (2→2) and one duplicate (0→1 twice).
const SRC = [0, 0, 1, 2, 3, 4, 2, 1, 3];
const DST = [1, 1, 2, 2, 0, 3, 4, 0, 1];
const edges = [SRC, DST] as const;
const N = 6;

interface Case {
  name: string;
  options: Partial<GATv2ConvOptions & GATConvOptions>;
  bipartite?: boolean;
  training?: boolean;
}

const cases: Case[] = [
  { name: 'one head', options: { heads: 1 } },
  { name: 'three heads, concat', options: { heads: 3 } },
  { name: 'three heads, mean', options: { heads: 3, concat: false } },
  { name: 'edge features, fill mean', options: { heads: 2, edgeDim: 2 } },
  { name: 'edge features, fill add', options: { heads: 2, edgeDim: 2, fillValue: 'add' } },
  { name: 'edge features, fill max', options: { heads: 2, edgeDim: 2, fillValue: 'max' } },
  { name: 'edge features, fill min', options: { heads: 1, edgeDim: 3, fillValue: 'min' } },
  { name: 'edge features, fill mul', options: { heads: 2, edgeDim: 2, fillValue: 'mul' } },
  {
    name: 'edge features, fill 0.5, no self-loops',
    options: { heads: 2, edgeDim: 2, fillValue: 0.5, addSelfLoops: false },
  },
  {
    name: 'bipartite, no self-loops',
    options: { heads: 2, inChannels: [3, 4], addSelfLoops: false },
    bipartite: true,
  },
  { name: 'bipartite, self-loops', options: { heads: 2, inChannels: [3, 4] }, bipartite: true },
  { name: 'one head, mean', options: { heads: 1, concat: false } },
  { name: 'residual, mean', options: { heads: 2, residual: true, concat: false } },
  { name: 'residual, concat', options: { heads: 2, residual: true } },
  { name: 'no bias, slope 0.1', options: { heads: 2, bias: false, negativeSlope: 0.1 } },
  { name: 'attention dropout in training', options: { heads: 2, dropout: 0.4 }, training: true },
];

function inputsFor(
  c: Case,
  seed: number,
): { x: Variable | [Variable, Variable]; leaves: Variable[] } {
  if (c.bipartite) {
    const xs = parameter(randomTensor([5, 3], seed));
    const xd = parameter(randomTensor([N, 4], seed + 1));
    return { x: [xs, xd], leaves: [xs, xd] };
  }
  const x = parameter(randomTensor([N, 3], seed));
  return { x, leaves: [x] };
}

for (const kind of ['GATConv', 'GATv2Conv'] as const) {
  describe(`${kind} gradients`, () => {
    const all: Case[] =
      kind === 'GATv2Conv'
        ? [...cases, { name: 'shared weights', options: { heads: 2, shareWeights: true } }]
        : [
            ...cases,
            {
              name: 'value dropout with attention dropout in training',
              options: { heads: 2, dropout: 0.3, valueDropout: 0.5 },
              training: true,
            },
            {
              name: 'value dropout, bipartite, mean, residual',
              options: {
                heads: 2,
                inChannels: [3, 4],
                valueDropout: 0.4,
                concat: false,
                residual: true,
              },
              bipartite: true,
              training: true,
            },
          ];
    for (const c of all) {
      it(`gradcheck of every parameter and input: ${c.name}`, () => {
        const layer = make(kind, {
          inChannels: 3,
          outChannels: 2,
          seed: 3,
          dtype: 'float64',
          ...c.options,
        });
        layer.train(c.training ?? false);
        for (const [, p] of layer.namedParameters()) {
          // Non-zero biases so that their paths are exercised too.
          if (p.value.data.every((v) => v === 0)) p.value.data.set(randomTensor(p.shape, 99).data);
        }
        const { x, leaves } = inputsFor(c, 10);
        const edgeAttr = c.options.edgeDim
          ? parameter(randomTensor([SRC.length, c.options.edgeDim], 20))
          : null;
        const run = (): Variable => layer.forward(x, edges, { edgeAttr, rng: new Random(5) });
        const vars = [...layer.parameters(), ...leaves, ...(edgeAttr ? [edgeAttr] : [])];
        const r = gradcheckVariables(run, vars);
        expect(r.mismatches).toEqual([]);
      });
    }
  });

  describe(`${kind} properties`, () => {
    it('attention of each target sums to 1 and has one entry per edge after self-loop handling', () => {
      const layer = make(kind, { inChannels: 3, outChannels: 2, heads: 3, seed: 1 }).eval();
      const { edgeIndex, alpha } = layer.forwardWithAttention(
        randomTensor([N, 3], 1, 'float32'),
        edges,
      );
      // Self-loop 2→2 removed, one loop per node added.
      expect(edgeIndex.src.length).toBe(SRC.length - 1 + N);
      const sums = new Float64Array(N * 3);
      for (let e = 0; e < edgeIndex.dst.length; e++)
        for (let h = 0; h < 3; h++) sums[edgeIndex.dst[e]! * 3 + h]! += alpha.data[e * 3 + h]!;
      expectAllClose(
        sums,
        new Float64Array(N * 3).fill(1),
        { atol: 1e-6, rtol: 0 },
        'attention sums',
      );
    });

    it('relabelling the nodes permutes the output the same way', () => {
      const layer = make(kind, {
        inChannels: 3,
        outChannels: 2,
        heads: 2,
        edgeDim: 1,
        seed: 2,
        dtype: 'float64',
      }).eval();
      const x = randomTensor([N, 3], 4);
      const edgeAttr = randomTensor([SRC.length, 1], 5);
      const perm = [3, 0, 5, 1, 4, 2]; // old node i becomes perm[i]
      const xp = Tensor.zeros([N, 3], 'float64');
      for (let i = 0; i < N; i++)
        for (let f = 0; f < 3; f++) xp.data[perm[i]! * 3 + f] = x.data[i * 3 + f]!;
      const edgesP = [SRC.map((s) => perm[s]!), DST.map((d) => perm[d]!)] as const;
      const out = noGrad(() => layer.forward(x, edges, { edgeAttr }));
      const outP = noGrad(() => layer.forward(xp, edgesP, { edgeAttr }));
      const W = out.shape[1]!;
      const expected = new Float64Array(N * W);
      for (let i = 0; i < N; i++)
        for (let k = 0; k < W; k++) expected[perm[i]! * W + k] = out.data[i * W + k]!;
      expectAllClose(outP.data, expected, { atol: 1e-12, rtol: 1e-12 }, 'permuted output');
    });

    it('a target with no incoming edge and no self-loop gets the bias plus the residual', () => {
      const layer = make(kind, {
        inChannels: 3,
        outChannels: 2,
        heads: 2,
        addSelfLoops: false,
        residual: true,
        seed: 3,
        dtype: 'float64',
      }).eval();
      layer.bias!.value.data.set([0.5, -1, 2, 0.25]);
      const x = randomTensor([N, 3], 6);
      const out = noGrad(() => layer.forward(x, edges));
      const res = layer.res!.weight.value; // [4, 3]
      const expected = [0, 1, 2, 3].map(
        (k) =>
          layer.bias!.value.data[k]! +
          [0, 1, 2].reduce((s, f) => s + res.data[k * 3 + f]! * x.data[5 * 3 + f]!, 0),
      );
      expectAllClose(out.data.subarray(5 * 4, 6 * 4), expected, { atol: 1e-12, rtol: 0 }, 'node 5');
    });

    it('adds its bias in the attention kernel when heads are concatenated or one, else after the mean', () => {
      for (const [heads, concat, inKernel] of [
        [2, true, true],
        [1, false, true],
        [2, false, false],
      ] as const) {
        const layer = make(kind, { inChannels: 3, outChannels: 2, heads, concat, seed: 3 });
        const bias = layer.bias!.value.data;
        bias.set(randomTensor(layer.bias!.shape, 7).data);
        let attentionBias: unknown = 'not called';
        let addedAfter = 0;
        const base = kernels();
        const spy: Kernels = {
          ...base,
          gatv2AttentionForward: (args, outputs) => {
            attentionBias = args.bias;
            base.gatv2AttentionForward(args, outputs);
          },
          gatAttentionForward: (args, outputs) => {
            attentionBias = args.bias;
            base.gatAttentionForward(args, outputs);
          },
          addRowVector: (x, v, rows, n, out) => {
            if (v === bias) addedAfter++;
            base.addRowVector(x, v, rows, n, out);
          },
        };
        const x = randomTensor([N, 3], 8, 'float32');
        setKernels(spy);
        let out: Tensor;
        try {
          out = noGrad(() => layer.forward(x, edges)).value;
        } finally {
          setKernels(base);
        }
        const what = `heads ${heads}, concat ${concat}`;
        expect(attentionBias === bias, `${what}: bias given to the kernel`).toBe(inKernel);
        expect(addedAfter, `${what}: bias added after`).toBe(inKernel ? 0 : 1);
        // Either way: the output without a bias, plus the bias on every row.
        const bare = make(kind, { inChannels: 3, outChannels: 2, heads, concat, seed: 3 });
        const unbiased = noGrad(() => bare.forward(x, edges)).data;
        const expected = unbiased.map((v, k) => v + bias[k % bias.length]!);
        expectAllClose(out.data, expected, { atol: 1e-6, rtol: 1e-6 }, what);
      }
    });

    it('a target whose only incoming edge is its self-loop passes no gradient to the attention vector', () => {
      // α = 1 for a single edge, so ∂L/∂e = 0 there (DESIGN.md §2).
      const layer = make(kind, {
        inChannels: 3,
        outChannels: 2,
        heads: 1,
        seed: 4,
        dtype: 'float64',
      }).eval();
      const out = layer.forward(randomTensor([2, 3], 7), [[], []]);
      backward(out, randomTensor([2, 2], 8));
      for (const [name, p] of layer.namedParameters()) {
        if (name.startsWith('att') || name === 'lin_r.weight' || name === 'lin_r.bias') {
          expect(
            Array.from(p.grad?.data ?? []).every((g) => g === 0),
            name,
          ).toBe(true);
        }
      }
    });

    it('sparse (CSR) features give the same output and gradients as dense ones', () => {
      const dense = Tensor.from(
        [0, 1.5, 0, 0, 0, 0, 2, 0, -1, 0, 0, 3, 1, 0, 0, 0, 0.5, 0],
        [N, 3],
        'float64',
      );
      const csr: CsrMatrix = {
        rows: N,
        cols: 3,
        rowPtr: Int32Array.from([0, 1, 1, 3, 4, 5, 6]),
        colIdx: Int32Array.from([1, 0, 2, 2, 0, 1]),
        values: Float64Array.from([1.5, 2, -1, 3, 1, 0.5]),
      };
      const run = (x: Tensor | CsrMatrix): [Tensor, Tensor[]] => {
        const layer = make(kind, {
          inChannels: 3,
          outChannels: 2,
          heads: 2,
          seed: 9,
          dtype: 'float64',
        }).eval();
        const out = layer.forward(x, edges);
        backward(out, randomTensor(out.shape, 10));
        return [out.value, layer.parameters().map((p) => p.grad!)];
      };
      const [o1, g1] = run(dense);
      const [o2, g2] = run(csr);
      expectAllClose(o2.data, o1.data, { atol: 1e-12, rtol: 1e-12 }, 'out');
      // Every parameter: GATv2 projects sparse features through lin_l and lin_r in one call.
      g1.forEach((g, i) => {
        expectAllClose(g2[i]!.data, g.data, { atol: 1e-12, rtol: 1e-12 }, `gradient ${i}`);
      });
    });

    it('the same seed gives the same parameters', () => {
      const a = make(kind, { inChannels: 3, outChannels: 2, heads: 2, seed: 42 });
      const b = make(kind, { inChannels: 3, outChannels: 2, heads: 2, seed: 42 });
      const c2 = make(kind, { inChannels: 3, outChannels: 2, heads: 2, seed: 43 });
      expect(a.parameters().map((p) => p.value.toArray())).toEqual(
        b.parameters().map((p) => p.value.toArray()),
      );
      expect(a.parameters()[0]!.value.toArray()).not.toEqual(c2.parameters()[0]!.value.toArray());
    });
  });

  describe(`${kind} rejects bad input with a clear error`, () => {
    const layer = make(kind, { inChannels: 3, outChannels: 2, heads: 2, edgeDim: 2 });
    const x = randomTensor([N, 3], 1, 'float32');
    const ea = constant(randomTensor([SRC.length, 2], 2, 'float32'));
    it('edge index out of range', () => {
      expect(() =>
        layer.forward(
          x,
          [
            [0, 6],
            [1, 2],
          ],
          { edgeAttr: randomTensor([2, 2], 1, 'float32') },
        ),
      ).toThrow(
        /edgeIndex: edge 1 has source 6 \(an index out of range\); expected an integer in \[0, 6\)/,
      );
    });
    it('negative edge index', () => {
      expect(() =>
        layer.forward(
          x,
          [
            [0, 1],
            [-1, 2],
          ],
          { edgeAttr: randomTensor([2, 2], 1, 'float32') },
        ),
      ).toThrow(/edge 0 has target -1 \(a negative index\)/);
    });
    it('non-integer edge index', () => {
      expect(() =>
        layer.forward(
          x,
          [
            [0, 1.5],
            [1, 2],
          ],
          { edgeAttr: randomTensor([2, 2], 1, 'float32') },
        ),
      ).toThrow(/edge 1 has source 1.5 \(a non-integer\)/);
    });
    it('rows of different length', () => {
      expect(() => layer.forward(x, [[0, 1], [1]], { edgeAttr: ea })).toThrow(
        /2 sources but 1 targets/,
      );
    });
    it('feature width not matching in-channels', () => {
      expect(() =>
        layer.forward(randomTensor([N, 4], 1, 'float32'), edges, { edgeAttr: ea }),
      ).toThrow(/x has shape \[6, 4\], expected \[num_nodes, 3\]/);
    });
    it('edge features with the wrong row count', () => {
      expect(() =>
        layer.forward(x, edges, { edgeAttr: randomTensor([4, 2], 1, 'float32') }),
      ).toThrow(/edgeAttr has shape \[4, 2\], expected \[9, 2\]/);
    });
    it('missing edge features when the layer has edgeDim', () => {
      expect(() => layer.forward(x, edges)).toThrow(/edgeAttr is required/);
    });
    it('NaN in features', () => {
      const bad = x.clone();
      bad.data[7] = NaN;
      expect(() => layer.forward(bad, edges, { edgeAttr: ea })).toThrow(
        /x has NaN at row 2, column 1/,
      );
    });
    it('bad options', () => {
      expect(() => make(kind, { inChannels: 3, outChannels: 0 })).toThrow(
        /outChannels must be a positive integer, found 0/,
      );
      expect(() => make(kind, { inChannels: 3, outChannels: 2, dropout: 1 })).toThrow(
        /dropout must be in \[0, 1\), found 1/,
      );
    });
  });
}

describe("GATConv valueDropout (the GAT authors' dropout of the summed features)", () => {
  const options = { inChannels: 3, outChannels: 4, heads: 2, seed: 7, dtype: 'float64' } as const;
  const x = randomTensor([N, 3], 11);

  it('leaves evaluation as it is', () => {
    const plain = new GATConv(options).eval();
    const dropped = new GATConv({ ...options, valueDropout: 0.5 }).eval();
    const a = noGrad(() => plain.forward(x, edges));
    const b = noGrad(() => dropped.forward(x, edges));
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it("scores the whole x'_j and sums the dropped ones: out_i = Σ_j α_ij drop(x'_j) + bias", () => {
    const p = 0.5;
    const layer = new GATConv({ ...options, valueDropout: p });
    layer.bias!.value.data.set(randomTensor(layer.bias!.shape, 8).data);
    layer.train();
    const { out, edgeIndex, alpha } = noGrad(() =>
      layer.forwardWithAttention(x, edges, { rng: new Random(5) }),
    );
    // Without attention dropout the scores do not depend on the mode: α is eval mode's.
    const evalAlpha = noGrad(() => layer.eval().forwardWithAttention(x, edges)).alpha;
    expectAllClose(alpha.data, evalAlpha.data, { atol: 1e-14, rtol: 0 }, 'α');
    // The mask is the first draw of the call's generator.
    const h = noGrad(() => layer.linSrc.forward(constant(x))).value; // [N, H·C]
    const hDropped = noGrad(() => dropout(constant(h), p, new Random(5), true)).value;
    let zeros = 0;
    for (let k = 0; k < h.size; k++) {
      if (hDropped.data[k] === 0) zeros++;
      else expect(hDropped.data[k]).toBeCloseTo(h.data[k]! / (1 - p), 12);
    }
    expect(zeros).toBeGreaterThan(0);
    expect(zeros).toBeLessThan(h.size);
    const H = 2;
    const C = 4;
    const expected = new Float64Array(N * H * C);
    for (let i = 0; i < N; i++)
      for (let k = 0; k < H * C; k++) expected[i * H * C + k] = layer.bias!.value.data[k]!;
    for (let e = 0; e < edgeIndex.src.length; e++) {
      const j = edgeIndex.src[e]!;
      const i = edgeIndex.dst[e]!;
      for (let hd = 0; hd < H; hd++) {
        const a = alpha.data[e * H + hd]!;
        for (let c = 0; c < C; c++) {
          const k = hd * C + c;
          expected[i * H * C + k]! += a * hDropped.data[j * H * C + k]!;
        }
      }
    }
    expectAllClose(out.data, expected, { atol: 1e-12, rtol: 1e-12 }, 'out');
  });

  it('keeps the attention dropout stream of a layer without it when p = 0', () => {
    const a = new GATConv({ ...options, dropout: 0.4 }).train();
    const b = new GATConv({ ...options, dropout: 0.4, valueDropout: 0 }).train();
    const outA = noGrad(() => a.forward(x, edges, { rng: new Random(9) }));
    const outB = noGrad(() => b.forward(x, edges, { rng: new Random(9) }));
    expect(Array.from(outB.data)).toEqual(Array.from(outA.data));
  });

  it('drops about a fraction p of the summed features', () => {
    const p = 0.3;
    const big = randomTensor([400, 3], 12);
    const ring = [
      Array.from({ length: 400 }, (_, i) => i),
      Array.from({ length: 400 }, (_, i) => (i + 1) % 400),
    ] as const;
    const layer = new GATConv({
      ...options,
      valueDropout: p,
      addSelfLoops: false,
      bias: false,
    }).train();
    // Each target has one source, so α = 1 and out_i = drop(x'_{i−1}).
    const out = noGrad(() => layer.forward(big, ring, { rng: new Random(3) }));
    let zeros = 0;
    for (const v of out.data) if (v === 0) zeros++;
    expect(zeros / out.value.size).toBeGreaterThan(p - 0.05);
    expect(zeros / out.value.size).toBeLessThan(p + 0.05);
  });

  it('rejects p outside [0, 1), naming the option', () => {
    for (const p of [-0.1, 1, Number.NaN]) {
      expect(() => new GATConv({ ...options, valueDropout: p })).toThrow(
        new RegExp(`GATConv: valueDropout must be in \\[0, 1\\), found ${p}`),
      );
    }
  });
});
