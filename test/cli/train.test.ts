/** `graphattn train` end to end: JSON output, Cora, user graphs, the offline fallback. */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { jsonOf, numberField, runCli, runInProcess, withTempDir } from './run-cli.js';

const SUMMARY_KEYS = [
  'dataset',
  'model',
  'runs',
  'test_acc_mean',
  'test_acc_std',
  'val_acc_mean',
  'epochs_mean',
  'ms_per_epoch',
];

describe.concurrent('graphattn train', () => {
  it('--dataset karate --json prints one JSON object with the summary keys', async () => {
    const r = await runCli(['train', '--dataset', 'karate', '--json', '--runs', '2']);
    expect(r.code).toBe(0);
    const out = jsonOf(r);
    for (const key of SUMMARY_KEYS) expect(out).toHaveProperty(key);
    expect(out.dataset).toBe('KarateClub');
    expect(out.model).toBe('gatv2');
    expect(out.runs).toBe(2);
    expect(numberField(out, 'test_acc_mean')).toBeGreaterThan(0.7);
    expect(numberField(out, 'test_acc_std')).toBeGreaterThanOrEqual(0);
    expect(numberField(out, 'epochs_mean')).toBeLessThanOrEqual(200);
    // Progress goes to stderr, never into the JSON.
    expect(r.stderr).toContain('epoch');
  });

  it('flags override the recipe one field at a time', async () => {
    const r = await runInProcess([
      'train',
      '--dataset',
      'karate',
      '--model',
      'gat',
      '--heads',
      '3',
      '--lr',
      '0.02',
      '--epochs',
      '7',
      '--value-dropout',
      '0.25',
      '--json',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = jsonOf(r);
    expect(out.model).toBe('gat');
    expect(out.config).toMatchObject({
      model: 'gat',
      heads: 3,
      lr: 0.02,
      epochs: 7,
      hidden: 4,
      valueDropout: 0.25,
    });
    expect(numberField(out, 'epochs_mean')).toBeLessThanOrEqual(7);
  });

  it('--dataset cora --epochs 20 --json', async () => {
    const r = await runCli(['train', '--dataset', 'cora', '--epochs', '20', '--json']);
    expect(r.code).toBe(0);
    const out = jsonOf(r);
    expect(out.dataset).toBe('Cora');
    expect(out.config).toMatchObject({ hidden: 8, heads: 8, lr: 0.005, epochs: 20 });
    expect(out.config).not.toHaveProperty('valueDropout'); // GATv2's recipe has none
    expect(numberField(out, 'epochs_mean')).toBeLessThanOrEqual(20);
    expect(numberField(out, 'test_acc_mean')).toBeGreaterThan(0.3);
  });

  it('prints a readable summary without --json', async () => {
    const r = await runInProcess(['train', '--dataset', 'karate', '--epochs', '20', '--runs', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/test accuracy\s+\d+\.\d ± \d+\.\d% over 2 runs/);
    expect(r.stdout).toMatch(/ms\/epoch\s+\d/);
    expect(r.stderr).toMatch(/run 2\/2 epoch/);
  });

  it('falls back to the karate club when Cora cannot be had and no --dataset is given', async () => {
    await withTempDir(async (dir) => {
      const r = await runCli(['train', '--epochs', '5', '--json'], {
        GRAPHATTN_DATA: dir,
        XDG_CACHE_HOME: dir,
      });
      expect(r.code).toBe(0);
      expect(jsonOf(r).dataset).toBe('KarateClub');
      const notices = r.stderr.split('\n').filter((l) => l.includes('karate club instead'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^graphattn train: Cora is not available/);
      expect(await readdir(dir)).toEqual([]); // no partial download left behind
    });
  });

  it('trains on a user graph from CSV and from JSON', async () => {
    await withTempDir(async (dir) => {
      const nodes = ['id,label,f0,f1'];
      const edges = ['source,target'];
      const json: { nodes: unknown[]; edges: [string, string][] } = { nodes: [], edges: [] };
      for (let i = 0; i < 40; i++) {
        const c = i % 2;
        const features = [c + 0.1 * (i % 3), 1 - c];
        nodes.push(`n${i},${c === 0 ? 'red' : 'blue'},${features.join(',')}`);
        json.nodes.push({ id: `n${i}`, label: c === 0 ? 'red' : 'blue', features });
        edges.push(`n${i},n${(i + 2) % 40}`);
        json.edges.push([`n${i}`, `n${(i + 2) % 40}`]);
      }
      await writeFile(join(dir, 'nodes.csv'), nodes.join('\n'));
      await writeFile(join(dir, 'edges.csv'), edges.join('\n'));
      await writeFile(join(dir, 'graph.json'), JSON.stringify(json));
      const [csv, doc] = await Promise.all([
        runInProcess([
          'train',
          '--dataset',
          join(dir, 'nodes.csv'),
          '--edges',
          join(dir, 'edges.csv'),
          '--epochs',
          '30',
          '--json',
        ]),
        runInProcess(['train', '--dataset', join(dir, 'graph.json'), '--epochs', '30', '--json']),
      ]);
      expect(csv.code).toBe(0);
      expect(doc.code).toBe(0);
      expect(numberField(jsonOf(csv), 'test_acc_mean')).toBeGreaterThanOrEqual(0);
      expect(numberField(jsonOf(doc), 'test_acc_mean')).toBeGreaterThanOrEqual(0);
    });
  });

  it('--save into a missing folder fails before training', async () => {
    const r = await runCli([
      'train',
      '--dataset',
      'karate',
      '--save',
      '/no/such/dir/m.safetensors',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('graphattn train: --save: the folder /no/such/dir does not exist');
  });
});
