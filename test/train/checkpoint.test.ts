import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import { karateClub } from '../../src/data/karate.js';
import { loadPlanetoid } from '../../src/data/planetoid-node.js';
import type { PlanetoidDataset } from '../../src/data/planetoid.js';
import { parseSafetensors, serializeSafetensors, toTensor } from '../../src/io/safetensors.js';
import type { SafeTensor } from '../../src/io/safetensors.js';
import { GATConv } from '../../src/nn/gat-conv.js';
import { GATModel } from '../../src/nn/models/gat.js';
import {
  CHECKPOINT_METADATA_KEY,
  CheckpointError,
  deserializeCheckpoint,
  serializeCheckpoint,
} from '../../src/train/checkpoint.js';
import { evaluateModel, trainNodeClassifier } from '../../src/train/node-classification.js';
import { paperRecipe } from '../../src/train/recipes.js';
import { PLANETOID_DIR } from '../data/paths.js';

const MODELS_DIR = fileURLToPath(new URL('../../../shared/fixtures/models/', import.meta.url));
const fixtures = readdirSync(MODELS_DIR).filter((f) => f.endsWith('.safetensors'));

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fixture's `case` metadata: model, architecture and PyG's test accuracy. */
function caseOf(bytes: Uint8Array): { model: string; architecture: string; testAcc: number } {
  const raw: unknown = JSON.parse(parseSafetensors(bytes).metadata.case ?? '{}');
  if (!isRecord(raw) || !isRecord(raw.accuracy)) throw new Error('fixture: malformed case');
  const { model, architecture } = raw;
  const testAcc = raw.accuracy.test;
  if (typeof model !== 'string' || typeof architecture !== 'string' || typeof testAcc !== 'number')
    throw new Error('fixture: case lacks model, architecture or accuracy.test');
  return { model, architecture, testAcc };
}

const karate = karateClub();

describe('serializeCheckpoint → deserializeCheckpoint', () => {
  it('gives bit-identical logits and the same metadata after training', () => {
    const trainConfig = { ...paperRecipe('karate', 'gat'), valueDropout: 0.3, epochs: 15 };
    const run = trainNodeClassifier(karate, trainConfig);
    const bytes = serializeCheckpoint(run.model, {
      dataset: 'KarateClub',
      trainConfig,
      metrics: { testAcc: run.testAcc, missing: NaN },
    });
    const { model, metadata } = deserializeCheckpoint(bytes, 'karate.safetensors');
    expect(metadata.format).toBe('graphattn-checkpoint-v1');
    expect(metadata.config).toEqual(run.model.config);
    expect(metadata.trainConfig).toEqual(trainConfig);
    expect(metadata.dataset).toBe('KarateClub');
    expect(metadata.metrics?.testAcc).toBe(run.testAcc);
    expect(metadata.metrics?.missing).toBeNaN();
    const before = evaluateModel(run.model, karate);
    const after = evaluateModel(model, karate);
    expect(after.logits.data).toEqual(before.logits.data);
    expect(after.pred).toEqual(before.pred);
    // The same model always serialises to the same bytes.
    expect(
      serializeCheckpoint(model, {
        dataset: 'KarateClub',
        trainConfig,
        metrics: { testAcc: run.testAcc, missing: NaN },
      }),
    ).toEqual(bytes);
  });

  it('keeps float64 parameters and every config option', () => {
    const m = new GATModel({
      variant: 'gatv2',
      inChannels: 34,
      hiddenChannels: 3,
      outChannels: 2,
      numLayers: 3,
      heads: 2,
      outHeads: 2,
      shareWeights: true,
      residual: true,
      negativeSlope: 0.1,
      dtype: 'float64',
      seed: 9,
    });
    const { model } = deserializeCheckpoint(serializeCheckpoint(m), 'f64');
    expect(model.config).toEqual(m.config);
    expect(evaluateModel(model, karate).logits.data).toEqual(evaluateModel(m, karate).logits.data);
  });

  it("keeps a GAT model's valueDropout, and reads it as 0 from checkpoints written before it", () => {
    const config = { variant: 'gat', inChannels: 34, hiddenChannels: 3, outChannels: 2 } as const;
    const m = new GATModel({ ...config, valueDropout: 0.4 });
    const { model } = deserializeCheckpoint(serializeCheckpoint(m), 'vd');
    expect(model.config.valueDropout).toBe(0.4);
    expect(model.convs.map((c) => (c instanceof GATConv ? c.valueDropout : NaN))).toEqual([
      0.4, 0.4,
    ]);

    const parsed = parseSafetensors(serializeCheckpoint(new GATModel(config)));
    const meta = JSON.parse(parsed.metadata[CHECKPOINT_METADATA_KEY]!) as {
      config: Record<string, unknown>;
    };
    expect(meta.config.valueDropout).toBe(0);
    delete meta.config.valueDropout;
    const old = serializeSafetensors(
      Object.fromEntries([...parsed.tensors].map(([name, t]) => [name, toTensor(t)])),
      { [CHECKPOINT_METADATA_KEY]: JSON.stringify(meta) },
    );
    expect(deserializeCheckpoint(old, 'old').model.config.valueDropout).toBe(0);
  });
});

describe('PyG-trained models', () => {
  let cora: PlanetoidDataset;
  beforeAll(async () => {
    cora = await loadPlanetoid('Cora', { dataDir: PLANETOID_DIR, download: false });
  });

  it('finds the model fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  for (const file of fixtures) {
    it(`${file}: loads and reproduces PyG's test accuracy on Cora`, () => {
      const path = join(MODELS_DIR, file);
      const bytes = new Uint8Array(readFileSync(path));
      const info = caseOf(bytes);
      const { model, metadata } = deserializeCheckpoint(bytes, path);
      expect(metadata.config.variant).toBe(info.model);
      expect(metadata.config.inChannels).toBe(cora.numFeatures);
      expect(metadata.config.outChannels).toBe(cora.numClasses);
      expect(metadata.dataset).toBe('Cora');
      expect(metadata.metrics?.testAcc).toBe(info.testAcc);
      const ev = evaluateModel(model, cora);
      // case.accuracy.test is PyG's float32 ratio: 409/500 is stored as 0.8180000185966492.
      expect(ev.testAcc).toBeCloseTo(info.testAcc, 6);
    });

    it(`${file}: as a plain PyG state_dict with the architecture in the metadata`, () => {
      const path = join(MODELS_DIR, file);
      const bytes = new Uint8Array(readFileSync(path));
      const { tensors } = parseSafetensors(bytes, path);
      const { architecture } = caseOf(bytes);
      const stateDict: Record<string, SafeTensor> = {};
      for (const [name, t] of tensors) if (name.startsWith('param.')) stateDict[name.slice(6)] = t;
      const plain = serializeSafetensors(stateDict, { architecture });
      const a = evaluateModel(deserializeCheckpoint(plain, 'plain').model, cora);
      const b = evaluateModel(deserializeCheckpoint(bytes, path).model, cora);
      expect(a.logits.data).toEqual(b.logits.data);
    });
  }
});

describe('bad checkpoints give a CheckpointError naming the file', () => {
  const model = new GATModel({
    variant: 'gat',
    inChannels: 34,
    hiddenChannels: 4,
    outChannels: 2,
    heads: 2,
  });
  const good = serializeCheckpoint(model, { dataset: 'KarateClub' });
  const parsed = parseSafetensors(good);
  const ownRaw: unknown = JSON.parse(parsed.metadata[CHECKPOINT_METADATA_KEY]!);
  if (!isRecord(ownRaw) || !isRecord(ownRaw.config)) throw new Error('checkpoint: no config');
  const own = ownRaw;
  const config = ownRaw.config;
  const withMetadata = (meta: Record<string, unknown>, drop?: string): Uint8Array => {
    const tensors: Record<string, SafeTensor> = {};
    for (const [n, t] of parsed.tensors) if (n !== drop) tensors[n] = t;
    return serializeSafetensors(tensors, { [CHECKPOINT_METADATA_KEY]: JSON.stringify(meta) });
  };

  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /at least 8 bytes/],
    ['truncated by one byte', good.subarray(0, good.length - 1), /truncated or corrupt/],
    ['truncated inside the header', good.subarray(0, 40), /runs past the end/],
    [
      'corrupt header',
      (() => {
        const b = good.slice();
        b[10] = 0xff;
        return b;
      })(),
      /not a readable safetensors/,
    ],
    [
      'no metadata',
      serializeSafetensors({ w: model.parameters()[0]!.value }),
      /expected __metadata__\.graphattn.*found metadata keys \[\]/,
    ],
    [
      'wrong format',
      withMetadata({ ...own, format: 'other-v9' }),
      /expected format 'graphattn-checkpoint-v1', found "other-v9"/,
    ],
    [
      'bad config field',
      withMetadata({ ...own, config: { ...config, heads: 0 } }),
      /config\.heads must be a positive integer, found 0/,
    ],
    ['missing tensor', withMetadata(own, 'conv2.bias'), /missing 'conv2\.bias'/],
    [
      'config does not fit the tensors',
      withMetadata({ ...own, config: { ...config, inChannels: 35 } }),
      /do not match a gat model with 35 input features.*conv1\.lin\.weight/,
    ],
    [
      'metadata not JSON',
      serializeSafetensors({}, { [CHECKPOINT_METADATA_KEY]: '{oops' }),
      /__metadata__\.graphattn is not valid JSON/,
    ],
    [
      'PyG case without architecture',
      serializeSafetensors({}, { case: '{}' }),
      /__metadata__\.case\.architecture must be a string/,
    ],
    [
      'PyG state_dict without conv1',
      serializeSafetensors({ w: model.parameters()[0]!.value }, { architecture: 'x' }),
      /expected PyG parameters named 'conv1\.\*'/,
    ],
  ];
  for (const [what, bytes, pattern] of cases) {
    it(what, () => {
      let error: unknown;
      try {
        deserializeCheckpoint(bytes, 'bad.safetensors');
      } catch (e) {
        error = e;
      }
      if (!(error instanceof CheckpointError))
        throw new Error(`expected a CheckpointError, got ${String(error)}`);
      expect(error.message).toMatch(/^bad\.safetensors: /);
      expect(error.message).toMatch(pattern);
    });
  }
});
