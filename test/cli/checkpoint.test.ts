/** eval, predict and explain on checkpoints: the PyG fixtures and a save → load round trip. */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseSafetensors } from '../../src/io/safetensors.js';
import {
  MODEL_FIXTURES,
  jsonOf,
  numberField,
  runCli,
  runInProcess,
  withTempDir,
} from './run-cli.js';

/** case.accuracy.test recorded by PyG in the fixture's metadata. */
function fixtureTestAccuracy(file: string): number {
  const { metadata } = parseSafetensors(readFileSync(file), file);
  const text = metadata.case;
  if (text === undefined) throw new Error(`${file} has no __metadata__.case`);
  const parsed: unknown = JSON.parse(text);
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'accuracy' in parsed &&
    typeof parsed.accuracy === 'object' &&
    parsed.accuracy !== null &&
    'test' in parsed.accuracy &&
    typeof parsed.accuracy.test === 'number'
  ) {
    return parsed.accuracy.test;
  }
  throw new Error(`${file}: case.accuracy.test is missing`);
}

function arrayField(o: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new Error(`expected an array in "${key}"`);
  return v.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw new Error(`"${key}" holds a non-object`);
    return Object.fromEntries(Object.entries(item));
  });
}

function numbers(o: Record<string, unknown>, key: string): number[] {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((x): x is number => typeof x === 'number')) {
    throw new Error(`expected numbers in "${key}"`);
  }
  return v;
}

describe.concurrent('graphattn eval on the PyG model fixtures', () => {
  for (const name of ['cora_gat', 'cora_gatv2']) {
    it(`${name}: the test accuracy PyG recorded`, async () => {
      const file = join(MODEL_FIXTURES, `${name}.safetensors`);
      const r = await runCli(['eval', '--checkpoint', file, '--dataset', 'cora', '--json']);
      expect(r.code).toBe(0);
      const out = jsonOf(r);
      // PyG stored a float32; the same 1000 test nodes right means the same fraction.
      const expected = fixtureTestAccuracy(file);
      expect(Math.fround(numberField(out, 'test_acc'))).toBe(Math.fround(expected));
      expect(Math.round(numberField(out, 'test_acc') * 1000)).toBe(Math.round(expected * 1000));
      expect(out.model).toBe(name === 'cora_gat' ? 'gat' : 'gatv2');
    });
  }

  it('uses the dataset the checkpoint records when --dataset is left out', async () => {
    const r = await runInProcess([
      'eval',
      '--checkpoint',
      join(MODEL_FIXTURES, 'cora_gat.safetensors'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/test\s+1000\s+81\.80%/);
  });

  it('predict: class and probabilities per node', async () => {
    const file = join(MODEL_FIXTURES, 'cora_gatv2.safetensors');
    const [json, text] = await Promise.all([
      runCli(['predict', '--checkpoint', file, '--dataset', 'cora', '--nodes', '3,17', '--json']),
      runInProcess(['predict', '--checkpoint', file, '--dataset', 'cora', '--nodes', '3,17']),
    ]);
    expect(json.code).toBe(0);
    const predictions = arrayField(jsonOf(json), 'predictions');
    expect(predictions.map((p) => p.node)).toEqual([3, 17]);
    for (const p of predictions) {
      const probs = numbers(p, 'probabilities');
      expect(probs).toHaveLength(7);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(probs.indexOf(Math.max(...probs))).toBe(p.class);
      expect(['train', 'val', 'test', '-']).toContain(p.split);
    }
    expect(text.code).toBe(0);
    const rows = text.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^node\s+class\s+p\s+label\s+split/);
    expect(rows).toHaveLength(4); // header, rule, two nodes
  });

  it('explain: top neighbours per layer and head, and distance from uniform', async () => {
    const file = join(MODEL_FIXTURES, 'cora_gat.safetensors');
    const [json, text] = await Promise.all([
      runCli(['explain', '--checkpoint', file, '--node', '17', '--top', '3', '--json']),
      runInProcess(['explain', '--checkpoint', file, '--node', '17', '--top', '3']),
    ]);
    expect(json.code).toBe(0);
    const out = jsonOf(json);
    expect(out.node).toBe(17);
    const layers = arrayField(out, 'layers');
    expect(layers).toHaveLength(2);
    expect(arrayField(layers[0]!, 'heads')).toHaveLength(8);
    expect(arrayField(layers[1]!, 'heads')).toHaveLength(1);
    for (const layer of layers) {
      const maxEntropy = numberField(layer, 'max_entropy');
      expect(maxEntropy).toBeCloseTo(Math.log(numberField(layer, 'degree')), 12);
      for (const head of arrayField(layer, 'heads')) {
        const kl = numberField(head, 'kl');
        expect(kl).toBeGreaterThanOrEqual(0);
        expect(kl).toBeCloseTo(maxEntropy - numberField(head, 'entropy'), 9);
        const weights = arrayField(head, 'top').map((t) => numberField(t, 'weight'));
        expect(weights.length).toBeLessThanOrEqual(3);
        expect([...weights].sort((a, b) => b - a)).toEqual(weights);
      }
    }
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^layer 1 \(GATConv, 8 heads/m);
    expect(text.stdout).toMatch(/^ {2}head {2}1 {2}KL \d\.\d{3} {2}H \d\.\d{3} {2}top: /m);
  });
});

describe('graphattn train --save → eval, predict, explain', () => {
  it('round-trips a checkpoint and leaves no temporary file', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'karate.safetensors');
      const trained = await runCli([
        'train',
        '--dataset',
        'karate',
        '--model',
        'gat',
        '--save',
        file,
        '--json',
      ]);
      expect(trained.code).toBe(0);
      const summary = jsonOf(trained);
      expect(summary.checkpoint).toBe(file);
      expect(await readdir(dir)).toEqual(['karate.safetensors']);

      // The checkpoint records its dataset, so --dataset may be left out.
      const [evaluated, predicted, explained] = await Promise.all([
        runCli(['eval', '--checkpoint', file, '--json']),
        runInProcess(['predict', '--checkpoint', file, '--nodes', '0,33', '--json']),
        runInProcess([
          'explain',
          '--checkpoint',
          file,
          '--dataset',
          'karate',
          '--node',
          '33',
          '--top',
          '34',
        ]),
      ]);
      expect(evaluated.code).toBe(0);
      const ev = jsonOf(evaluated);
      expect(ev.test_acc).toBe(summary.test_acc_mean);
      expect(ev.dataset).toBe('KarateClub');
      expect(ev.model).toBe('gat');

      expect(predicted.code).toBe(0);
      const predictions = arrayField(jsonOf(predicted), 'predictions');
      expect(predictions.map((p) => p.class_name)).toEqual(
        predictions.map((p) => (p.class === 0 ? 'Mr. Hi' : 'Officer')),
      );
      expect(explained.code).toBe(0);
      expect(explained.stdout).toContain('33 (self)');
    });
  });
});

describe.concurrent('graphattn dictlookup', () => {
  it('one model with --json', async () => {
    const r = await runCli([
      'dictlookup',
      '--model',
      'gatv2',
      '--k',
      '3',
      '--epochs',
      '2',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = jsonOf(r);
    expect(out).toMatchObject({ model: 'gatv2', k: 3, heads: 1, epochs: 2 });
    expect(numberField(out, 'test_acc')).toBeGreaterThanOrEqual(0);
    expect(numberField(out, 'train_acc_running')).toBeGreaterThanOrEqual(0);
  });

  it('--compare prints the paper’s three models side by side', async () => {
    const r = await runInProcess(['dictlookup', '--compare', '--k', '3', '--epochs', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^GATv2 1 head\s+\d+\.\d% +\d+\.\d% +\d+\.\d% +2$/m);
    expect(r.stdout).toMatch(/^GAT 1 head\s/m);
    expect(r.stdout).toMatch(/^GAT 8 heads\s/m);
  });
});
