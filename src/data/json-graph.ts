/**
 * User graphs as one JSON document, browser-safe (takes the text or the parsed value).
 * Schema (docs/data-formats.md has an example):
 *
 *   {
 *     "name": "…",                  optional
 *     "directed": false,            optional; false (default) adds every edge's reverse
 *     "classes": ["a", "b"],        optional class order (default: sorted labels, or 0..C-1)
 *     "numFeatures": 3,             required only when some node has sparse features
 *     "nodes": [                    required
 *       { "id": "n0",               string or integer (1 and "1" are the same id)
 *         "label": "a",             string or integer; absent/null = unlabelled
 *         "split": "train",         optional: train | val | test
 *         "features": [1, 0, 0.5]   dense, or { "indices": [2], "values": [1] }
 *       }, …],
 *     "edges": [["n0", "n1"], { "source": "n1", "target": "n2" }, …]    required
 *   }
 *
 * If any node has a "split", nodes without one are in no split; otherwise the split is
 * seeded and random. If no node has features, features are one-hot node ids.
 */
import type { CsrMatrix } from '../kernels/kernels.js';
import { DataFormatError } from './errors.js';
import {
  assembleUserGraph,
  type CollectedFeatures,
  NodeIdMap,
  parseSplitName,
  type SplitName,
  type UserGraphDataset,
  type UserGraphOptions,
} from './user-graph.js';

export interface JsonGraphOptions extends UserGraphOptions {
  /** Name used in error messages. Default "graph.json". */
  readonly source?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

/** Builds a dataset from a JSON document (text or already parsed). */
export function parseJsonGraph(doc: unknown, options: JsonGraphOptions = {}): UserGraphDataset {
  const source = options.source ?? 'graph.json';
  const fail = (at: string, expected: string, found: unknown): never => {
    throw new DataFormatError({ source, at, expected, found: describe(found) });
  };
  let root = doc;
  if (typeof doc === 'string') {
    try {
      root = JSON.parse(doc);
    } catch (e) {
      throw new DataFormatError({
        source,
        expected: 'valid JSON',
        found: e instanceof Error ? e.message : String(e),
      });
    }
  }
  if (!isRecord(root)) return fail('the document', 'an object with "nodes" and "edges"', root);
  const { nodes, edges, classes, numFeatures, directed, name } = root;
  if (!Array.isArray(nodes)) return fail('"nodes"', 'an array of nodes', nodes);
  if (!Array.isArray(edges)) return fail('"edges"', 'an array of edges', edges);
  if (directed !== undefined && typeof directed !== 'boolean')
    fail('"directed"', 'true or false', directed);
  if (name !== undefined && typeof name !== 'string') fail('"name"', 'a string', name);
  let classNames: string[] | undefined;
  if (classes !== undefined) {
    if (!Array.isArray(classes)) return fail('"classes"', 'an array of class names', classes);
    classNames = classes.map(
      (c, k) => idText(c) ?? fail(`"classes"[${k}]`, 'a string or integer', c),
    );
  }

  const ids = new NodeIdMap(source);
  const labels: (string | null)[] = [];
  const splitList: (SplitName | null)[] = [];
  let anySplit = false;
  const rows: Row[] = [];
  nodes.forEach((node, i) => {
    const at = `"nodes"[${i}]`;
    if (!isRecord(node)) return fail(at, 'a node object', node);
    const id = idText(node.id) ?? fail(`${at}.id`, 'a string or integer id', node.id);
    ids.add(id, at);
    labels.push(
      node.label === undefined || node.label === null
        ? null
        : (idText(node.label) ?? fail(`${at}.label`, 'a string or integer label', node.label)),
    );
    if (node.split !== undefined) {
      const s = typeof node.split === 'string' ? parseSplitName(node.split) : null;
      if (s === null) fail(`${at}.split`, 'train, val or test', node.split);
      anySplit = true;
      splitList.push(s);
    } else {
      splitList.push(null);
    }
    const f = node.features;
    if (f === undefined) rows.push(null);
    else if (Array.isArray(f))
      rows.push({ kind: 'dense', values: numbers(f, `${at}.features`, fail) });
    else if (isRecord(f)) {
      const indices = Array.isArray(f.indices)
        ? numbers(f.indices, `${at}.features.indices`, fail)
        : fail(`${at}.features.indices`, 'an array of column indices', f.indices);
      const values = Array.isArray(f.values)
        ? numbers(f.values, `${at}.features.values`, fail)
        : fail(`${at}.features.values`, 'an array of values', f.values);
      if (indices.length !== values.length)
        fail(`${at}.features`, `${indices.length} values (one per index)`, values);
      rows.push({ kind: 'sparse', indices, values });
    } else fail(`${at}.features`, 'an array of numbers or {indices, values}', f);
  });

  const n = nodes.length;
  const anySparse = rows.some((r) => r?.kind === 'sparse');
  let features: CollectedFeatures;
  if (anySparse) {
    if (typeof numFeatures !== 'number' || !Number.isInteger(numFeatures) || numFeatures < 0) {
      return fail(
        '"numFeatures"',
        'a non-negative integer (required with sparse features)',
        numFeatures,
      );
    }
    features = { kind: 'sparse', matrix: sparseRows(rows, numFeatures, fail) };
  } else {
    const width = rows.find((r) => r !== null)?.values.length ?? 0;
    if (numFeatures !== undefined && numFeatures !== width)
      fail('"numFeatures"', `${width} (the length of the feature arrays)`, numFeatures);
    const data = new Float32Array(n * width);
    rows.forEach((r, i) => {
      if (r === null) return;
      if (r.values.length !== width)
        fail(
          `"nodes"[${i}].features`,
          `${width} numbers (as the first node with features)`,
          r.values,
        );
      data.set(r.values, i * width);
    });
    features = { kind: 'dense', cols: width, data };
  }

  const src = new Int32Array(edges.length);
  const dst = new Int32Array(edges.length);
  edges.forEach((edge: unknown, e) => {
    const at = `"edges"[${e}]`;
    const pair: readonly unknown[] = Array.isArray(edge)
      ? edge
      : isRecord(edge)
        ? [edge.source, edge.target]
        : [];
    const s = pair[0];
    const t = pair[1];
    const sId =
      idText(s) ?? fail(at, '[source, target] or {"source", "target"} with node ids', edge);
    const tId =
      idText(t) ?? fail(at, '[source, target] or {"source", "target"} with node ids', edge);
    src[e] = ids.get(sId, source, at);
    dst[e] = ids.get(tId, source, at);
  });

  return assembleUserGraph(
    {
      format: 'json',
      nodeIds: ids.ids,
      labels,
      splits: anySplit ? splitList : null,
      features,
      src,
      dst,
      ...(classNames === undefined ? {} : { classNames }),
    },
    {
      ...options,
      name: options.name ?? (typeof name === 'string' ? name : 'json'),
      undirected: options.undirected ?? directed !== true,
    },
  );
}

interface DenseRow {
  readonly kind: 'dense';
  readonly values: readonly number[];
}
interface SparseRow {
  readonly kind: 'sparse';
  readonly indices: readonly number[];
  readonly values: readonly number[];
}
type Row = DenseRow | SparseRow | null;

function idText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return null;
}

function numbers(
  a: readonly unknown[],
  at: string,
  fail: (at: string, expected: string, found: unknown) => never,
): number[] {
  return a.map((v, k) =>
    typeof v === 'number' && Number.isFinite(v) ? v : fail(`${at}[${k}]`, 'a finite number', v),
  );
}

function sparseRows(
  rows: readonly Row[],
  cols: number,
  fail: (at: string, expected: string, found: unknown) => never,
): CsrMatrix {
  const rowPtr = new Int32Array(rows.length + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  rows.forEach((r, i) => {
    if (r?.kind === 'dense') {
      if (r.values.length !== cols)
        fail(`"nodes"[${i}].features`, `${cols} numbers ("numFeatures")`, r.values);
      r.values.forEach((v, c) => {
        if (v !== 0) {
          colIdx.push(c);
          values.push(v);
        }
      });
    } else if (r !== null) {
      r.indices.forEach((c, k) => {
        if (!Number.isInteger(c) || c < 0 || c >= cols)
          fail(`"nodes"[${i}].features.indices[${k}]`, `an integer in [0, ${cols})`, c);
        colIdx.push(c);
        values.push(r.values[k]!);
      });
    }
    rowPtr[i + 1] = colIdx.length;
  });
  return {
    rows: rows.length,
    cols,
    rowPtr,
    colIdx: Int32Array.from(colIdx),
    values: Float32Array.from(values),
  };
}
