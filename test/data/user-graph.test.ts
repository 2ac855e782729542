/** User graphs: CSV/TSV, JSON and graphology, checked on the examples of docs/data-formats.md. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DirectedGraph, MultiGraph, UndirectedGraph } from 'graphology';
import { describe, expect, it } from 'vitest';

import { parseCsvGraph, parseDelimited } from '../../src/data/csv.js';
import { DataError, DataFormatError } from '../../src/data/errors.js';
import { fromGraphology } from '../../src/data/graphology.js';
import { isCsr } from '../../src/data/graph.js';
import { parseJsonGraph } from '../../src/data/json-graph.js';
import { loadCsvGraph, loadJsonGraph } from '../../src/data/user-graph-node.js';
import type { UserGraphDataset } from '../../src/data/user-graph.js';

const DOC = readFileSync(
  fileURLToPath(new URL('../../docs/data-formats.md', import.meta.url)),
  'utf8',
);

/** The fenced block of the docs whose info string is `lang title`. */
function docBlock(info: string): string {
  const start = DOC.indexOf('```' + info + '\n');
  if (start < 0) throw new Error(`docs/data-formats.md has no block ${info}`);
  const body = start + info.length + 4;
  return DOC.slice(body, DOC.indexOf('```', body));
}

function edges(d: UserGraphDataset): string[] {
  return Array.from(
    d.edgeIndex.src,
    (s, e) => `${d.nodeIds[s]}->${d.nodeIds[d.edgeIndex.dst[e]!]}`,
  );
}

function masks(d: UserGraphDataset): string[] {
  return d.nodeIds.map((_, i) =>
    d.trainMask[i] ? 'train' : d.valMask[i] ? 'val' : d.testMask[i] ? 'test' : '-',
  );
}

function formatError(f: () => unknown): DataFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFormatError);
    if (e instanceof DataFormatError) return e;
  }
  return expect.fail('expected a DataFormatError');
}

describe('CSV graphs', () => {
  const nodes = docBlock('csv nodes.csv');
  const edgesCsv = docBlock('csv edges.csv');

  it('reads the documented example', () => {
    const d = parseCsvGraph(nodes, edgesCsv);
    expect(d.nodeIds).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(d.classNames).toEqual(['student', 'teacher']);
    expect(Array.from(d.labels)).toEqual([1, 0, 0, 0]);
    expect(masks(d)).toEqual(['train', 'train', 'test', '-']);
    expect(d.numFeatures).toBe(3);
    expect(edges(d)).toEqual([
      'alice->bob', 'bob->alice', 'bob->carol', 'carol->bob', 'carol->dave', 'dave->carol',
    ]); // prettier-ignore
    // 7 non-zeros of 12: stored dense.
    expect(isCsr(d.features)).toBe(false);
    expect(Array.from(isCsr(d.features) ? [] : d.features.data)).toEqual([
      1, 0, 0.5, 0, 1, 0, 0, 1, 1, 1, 1, 0,
    ]);
  });

  it('reads TSV, quotes and header-less edges, and makes a seeded split without a split column', () => {
    const tsvNodes = 'id\tlabel\tw\n"a,1"\t0\t1\nb\t1\t0\nc\t1\t0\nd\t0\t0\ne\t1\t0\n';
    const tsvEdges = '"a,1"\tb\nb\tc\nd\te\te\n';
    const d = parseCsvGraph(tsvNodes, tsvEdges, { undirected: false, split: { seed: 3 } });
    expect(d.classNames).toEqual(['0', '1']);
    expect(edges(d)).toEqual(['a,1->b', 'b->c', 'd->e']);
    expect(isCsr(d.features)).toBe(true); // 1 non-zero of 5
    expect(masks(d).filter((m) => m === 'train')).toHaveLength(3); // round(0.6 · 5)
    const again = parseCsvGraph(tsvNodes, tsvEdges, { undirected: false, split: { seed: 3 } });
    expect(masks(again)).toEqual(masks(d));
  });

  it('parses quoted fields with escaped quotes and newlines', () => {
    const rows = parseDelimited('a,"b ""x""\nc",d\r\n\n1,2,3', ',', 't.csv');
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b "x"\nc', 'd'] },
      { line: 4, cells: ['1', '2', '3'] },
    ]);
  });

  it('refuses bad input with the file and line', () => {
    expect(formatError(() => parseCsvGraph('id,label\na,0\n', 'a,zed\n')).message).toBe(
      'edges.csv (line 1): expected an id listed among the nodes, found "zed"',
    );
    expect(formatError(() => parseCsvGraph('id,label,f\na,0,x\n', '')).message).toBe(
      'nodes.csv (line 2): expected a number in column "f", found "x"',
    );
    expect(formatError(() => parseCsvGraph('id,label\na,0\na,1\n', '')).message).toBe(
      'nodes.csv (line 3): expected unique node ids, found "a" twice',
    );
    expect(formatError(() => parseCsvGraph('name,label\na,0\n', '')).message).toContain(
      'expected a column named "id", found the columns "name", "label"',
    );
    expect(formatError(() => parseCsvGraph('id,label,split\na,0,holdout\n', '')).message).toContain(
      'expected a split of train, val, test or empty, found "holdout"',
    );
    expect(formatError(() => parseCsvGraph('id,label\na,"0\n', '')).message).toContain(
      'expected a closing quote',
    );
  });

  it('loads files from disk (Node)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graphattn-csv-'));
    try {
      await writeFile(join(dir, 'nodes.tsv'), nodes.replaceAll(',', '\t'));
      await writeFile(join(dir, 'edges.tsv'), edgesCsv.replaceAll(',', '\t'));
      const d = await loadCsvGraph(join(dir, 'nodes.tsv'), join(dir, 'edges.tsv'));
      expect(d.numNodes).toBe(4);
      await expect(loadCsvGraph(join(dir, 'nope.csv'), join(dir, 'edges.tsv'))).rejects.toThrow(
        DataError,
      );
      await writeFile(join(dir, 'graph.json'), docBlock('json graph.json'));
      expect((await loadJsonGraph(join(dir, 'graph.json'))).name).toBe('tiny');
      await writeFile(join(dir, 'bad.json'), '{"nodes": [');
      await expect(loadJsonGraph(join(dir, 'bad.json'))).rejects.toThrow(
        new RegExp(`^${join(dir, 'bad.json')}: expected valid JSON`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('JSON graphs', () => {
  const doc = docBlock('json graph.json');

  it('reads the documented example, with mixed dense and sparse rows', () => {
    const d = parseJsonGraph(doc);
    expect(d.name).toBe('tiny');
    expect(d.nodeIds).toEqual(['alice', 'bob', 'carol', '4']);
    expect(d.classNames).toEqual(['teacher', 'student']);
    expect(Array.from(d.labels)).toEqual([0, 1, 1, 0]);
    expect(masks(d)).toEqual(['train', 'train', 'test', '-']);
    expect(isCsr(d.features)).toBe(true);
    if (!isCsr(d.features)) return;
    expect(Array.from(d.features.rowPtr)).toEqual([0, 2, 3, 5, 7]);
    expect(Array.from(d.features.colIdx)).toEqual([0, 2, 1, 1, 2, 0, 1]);
    expect(edges(d)).toHaveLength(6);
  });

  it('keeps edges one-way when directed, and gives identity features without any', () => {
    const d = parseJsonGraph({
      directed: true,
      nodes: [{ id: 0, label: 1 }, { id: 1, label: 0 }, { id: 2 }],
      edges: [
        [0, 1],
        [1, 2],
        [2, 2],
      ],
    });
    expect(edges(d)).toEqual(['0->1', '1->2']);
    expect(d.numFeatures).toBe(3);
    expect(d.classNames).toEqual(['0', '1']);
    expect(Array.from(d.labels)).toEqual([1, 0, 0]);
  });

  it('refuses bad documents with the JSON path', () => {
    expect(formatError(() => parseJsonGraph('[1, 2]')).message).toBe(
      'graph.json (the document): expected an object with "nodes" and "edges", found an array of 2',
    );
    expect(
      formatError(() => parseJsonGraph({ nodes: [{ id: 'a', features: [1, 'x'] }], edges: [] }))
        .message,
    ).toBe('graph.json ("nodes"[0].features[1]): expected a finite number, found "x"');
    expect(
      formatError(() =>
        parseJsonGraph({
          nodes: [{ id: 'a', features: { indices: [0], values: [1] } }],
          edges: [],
        }),
      ).message,
    ).toContain('"numFeatures"');
    expect(
      formatError(() => parseJsonGraph({ nodes: [{ id: 'a' }], edges: [{ from: 'a', to: 'a' }] }))
        .message,
    ).toContain('("edges"[0]): expected [source, target] or {"source", "target"} with node ids');
    expect(
      formatError(() =>
        parseJsonGraph({ classes: ['x'], nodes: [{ id: 'a', label: 'y' }], edges: [] }),
      ).message,
    ).toContain('expected a label among the classes x, found "y"');
  });
});

describe('graphology graphs', () => {
  it('reads node attributes and both kinds of edges', () => {
    const graph = new MultiGraph();
    graph.addNode('a', { features: [1, 0], label: 'x', split: 'train' });
    graph.addNode('b', { features: Float32Array.of(0, 1), label: 'y', split: 'val' });
    graph.addNode('c', { features: [1, 1], label: 'y', split: 'test' });
    graph.addUndirectedEdge('a', 'b');
    graph.addDirectedEdge('b', 'c');
    const both = fromGraphology(graph);
    expect(edges(both)).toEqual(['a->b', 'b->a', 'b->c', 'c->b']);
    const directed = fromGraphology(graph, { undirected: false });
    expect(edges(directed)).toEqual(['a->b', 'b->a', 'b->c']);
    expect(masks(both)).toEqual(['train', 'val', 'test']);
    expect(both.classNames).toEqual(['x', 'y']);
    expect(both.name).toBe('graphology');
  });

  it('runs the documented example', () => {
    const graph = new UndirectedGraph();
    graph.addNode('alice', { features: [1, 0], label: 'teacher' });
    graph.addNode('bob', { features: [0, 1], label: 'student' });
    graph.addNode('carol', { features: [1, 1], label: 'student' });
    graph.addEdge('alice', 'bob');
    graph.addEdge('bob', 'carol');
    const d = fromGraphology(graph, { split: { trainFraction: 0.34, valFraction: 0.33, seed: 7 } });
    expect(masks(d).sort()).toEqual(['test', 'train', 'val']);
  });

  it('refuses inconsistent feature attributes', () => {
    const graph = new DirectedGraph();
    graph.addNode('a', { features: [1, 0] });
    graph.addNode('b', { features: [1] });
    expect(formatError(() => fromGraphology(graph)).message).toBe(
      'graphology graph (node "b"): expected "features" of 2 numbers (as the other nodes), found 1',
    );
  });
});
