/**
 * Parity with PyTorch Geometric, layer by layer: every fixture in the folder named by env
 * GRAPHATTN_PYG_FIXTURES (default ../shared/fixtures/pyg). Each case is rebuilt from its
 * options, loaded with PyG's parameters, run forward and backward with the recorded upstream
 * gradient, and compared: out, alpha (matched by edge) and every grad.*.
 */
import { describe, expect, it } from 'vitest';
import { backward, parameter, type Variable } from '../../src/autograd/variable.js';
import { toInt32, toTensor } from '../../src/io/safetensors.js';
import { GATConv } from '../../src/nn/gat-conv.js';
import { GATv2Conv } from '../../src/nn/gatv2-conv.js';
import { fromPyGOptions } from '../../src/nn/pyg-options.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { type Fixture, fixtureDir, listFixtures, need, readFixture } from './fixtures.js';

const FORWARD = { atol: 1e-5, rtol: 1e-5 };
const GRADIENT = { atol: 1e-4, rtol: 1e-4 };

const dir = fixtureDir('GRAPHATTN_PYG_FIXTURES', '../shared/fixtures/pyg');
const files = listFixtures(dir);

function buildLayer(f: Fixture): GATConv | GATv2Conv {
  const layer = f.caseInfo.layer;
  const options = f.caseInfo.options as Record<string, unknown>;
  if (layer === 'GATv2Conv') return new GATv2Conv(fromPyGOptions('GATv2Conv', options));
  if (layer === 'GATConv') return new GATConv(fromPyGOptions('GATConv', options));
  throw new Error(`${f.file}: unknown layer ${String(layer)}`);
}

/** α rows keyed by "src→dst", each key's rows sorted (duplicated edges share a value). */
function alphaByEdge(
  src: Int32Array,
  dst: Int32Array,
  alpha: ArrayLike<number>,
  heads: number,
): Map<string, number[][]> {
  const map = new Map<string, number[][]>();
  for (let e = 0; e < src.length; e++) {
    const key = `${src[e]}→${dst[e]}`;
    const row = Array.from({ length: heads }, (_, h) => alpha[e * heads + h]!);
    map.set(key, [...(map.get(key) ?? []), row]);
  }
  for (const rows of map.values()) rows.sort((a, b) => a[0]! - b[0]!);
  return map;
}

describe('PyG layer parity', () => {
  it(`finds fixtures in ${dir}`, () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(`${file} matches PyG forward, attention and gradients`, () => {
      const f = readFixture(dir, file);
      const layer = buildLayer(f).eval();
      const state = new Map<string, Tensor>();
      for (const [name, t] of f.tensors)
        if (name.startsWith('param.')) state.set(name.slice(6), toTensor(t));
      layer.loadStateDict(state);

      const inputs = new Map<string, Variable>();
      const input = (name: string): Variable => {
        const v = parameter(toTensor(need(f, name)).clone());
        inputs.set(name, v);
        return v;
      };
      const x = f.tensors.has('x') ? input('x') : ([input('x_src'), input('x_dst')] as const);
      const edgeIndex = toInt32(need(f, 'edge_index'));
      const E = edgeIndex.length / 2;
      const edges = { src: edgeIndex.subarray(0, E), dst: edgeIndex.subarray(E) };
      const edgeAttr = f.tensors.has('edge_attr') ? input('edge_attr') : null;

      const result = layer.forwardWithAttention(x, edges, { edgeAttr });
      expectAllClose(result.out.data, toTensor(need(f, 'out')).data, FORWARD, 'out');

      const expectedAlpha = toTensor(need(f, 'alpha'));
      const heads = expectedAlpha.shape[1]!;
      const ai = toInt32(need(f, 'alpha_edge_index'));
      const Ea = ai.length / 2;
      const want = alphaByEdge(ai.subarray(0, Ea), ai.subarray(Ea), expectedAlpha.data, heads);
      const got = alphaByEdge(result.edgeIndex.src, result.edgeIndex.dst, result.alpha.data, heads);
      expect([...got.keys()].sort(), 'attention edges').toEqual([...want.keys()].sort());
      for (const [key, rows] of want) {
        expectAllClose(got.get(key)!.flat(), rows.flat(), FORWARD, `alpha of edge ${key}`);
      }

      backward(result.out, toTensor(need(f, 'upstream')));
      const params = new Map(layer.namedParameters());
      let checked = 0;
      for (const [name, t] of f.tensors) {
        if (!name.startsWith('grad.')) continue;
        const target = name.slice(5);
        const v = target.startsWith('param.') ? params.get(target.slice(6)) : inputs.get(target);
        expect(v, `${name} has a matching parameter or input`).toBeDefined();
        const grad = v!.grad;
        expect(grad, `${name}: a gradient was computed`).not.toBeNull();
        expectAllClose(grad!.data, toTensor(t).data, GRADIENT, name);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
