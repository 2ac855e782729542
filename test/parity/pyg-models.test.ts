/**
 * Parity with whole PyG-trained models: every fixture in the folder named by env
 * GRAPHATTN_MODEL_FIXTURES (default ../shared/fixtures/models). The dataset named in the case
 * is read by graphattn's own loader (from env GRAPHATTN_DATA, default
 * ../shared/datasets/planetoid), the model is built from the case's architecture line and
 * loaded with PyG's weights; logits must match to 1e-4 and predictions exactly.
 */
import { describe, expect, it } from 'vitest';
import { noGrad } from '../../src/autograd/variable.js';
import { loadPlanetoid } from '../../src/data/planetoid-node.js';
import { toInt32, toTensor } from '../../src/io/safetensors.js';
import { GATModel } from '../../src/nn/models/gat.js';
import { parsePyGArchitecture } from '../../src/nn/models/pyg-architecture.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { expectAllClose } from '../helpers/allclose.js';
import { fixtureDir, listFixtures, need, readFixture } from './fixtures.js';

const dir = fixtureDir('GRAPHATTN_MODEL_FIXTURES', '../shared/fixtures/models');
const dataDir = fixtureDir('GRAPHATTN_DATA', '../shared/datasets/planetoid');
const files = listFixtures(dir);

describe('PyG model parity', () => {
  it(`finds fixtures in ${dir}`, () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(`${file} reproduces PyG's logits and predictions`, async () => {
      const f = readFixture(dir, file);
      const data = await loadPlanetoid(String(f.caseInfo.dataset), { dataDir, download: false });
      const model = new GATModel(
        parsePyGArchitecture(String(f.caseInfo.architecture), {
          inChannels: data.numFeatures,
          numClasses: data.numClasses,
        }),
      ).eval();
      const state = new Map<string, Tensor>();
      for (const [name, t] of f.tensors)
        if (name.startsWith('param.')) state.set(name.slice(6), toTensor(t));
      model.loadStateDict(state);

      const logits = noGrad(() => model.forward(data.features, data.edgeIndex));
      expectAllClose(
        logits.data,
        toTensor(need(f, 'logits')).data,
        { atol: 1e-4, rtol: 0 },
        'logits',
      );

      const K = data.numClasses;
      const pred = new Int32Array(data.numNodes);
      for (let i = 0; i < data.numNodes; i++) {
        let best = 0;
        for (let k = 1; k < K; k++)
          if (logits.data[i * K + k]! > logits.data[i * K + best]!) best = k;
        pred[i] = best;
      }
      expect(Array.from(pred)).toEqual(Array.from(toInt32(need(f, 'pred'))));

      // The recorded test accuracy follows from the predictions and graphattn's split.
      let correct = 0;
      let total = 0;
      for (let i = 0; i < data.numNodes; i++) {
        if (data.testMask[i] !== 1) continue;
        total++;
        if (pred[i] === data.labels[i]) correct++;
      }
      const accuracy = f.caseInfo.accuracy as { test: number };
      expect(correct / total).toBeCloseTo(accuracy.test, 6);
    });
  }
});
