/**
 * User graphs from a graphology `Graph` (https://graphology.github.io). graphology is not a
 * runtime dependency: the graph is accepted structurally, typed through graphology-types.
 *
 * Node attributes: `features` (an array or typed array of numbers, the same length on every
 * node; absent everywhere = one-hot node ids), `label` (string or integer; absent =
 * unlabelled) and `split` (train / val / test; absent everywhere = seeded random split).
 * Attribute names are options. Undirected graphology edges always go both ways; directed
 * ones too unless `undirected: false`.
 */
import type { AbstractGraph, Attributes } from 'graphology-types';

import { DataFormatError } from './errors.js';
import {
  assembleUserGraph,
  NodeIdMap,
  parseSplitName,
  type SplitName,
  type UserGraphDataset,
  type UserGraphOptions,
} from './user-graph.js';

/** What we use of a graphology graph. */
export type GraphologyGraph = Pick<AbstractGraph, 'order' | 'forEachNode' | 'forEachEdge'>;

export interface GraphologyOptions extends UserGraphOptions {
  /** Node attribute names. Defaults "features", "label", "split". */
  readonly featuresAttribute?: string;
  readonly labelAttribute?: string;
  readonly splitAttribute?: string;
}

function isNumberArray(v: unknown): v is ArrayLike<number> {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return true;
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

export function fromGraphology(
  graph: GraphologyGraph,
  options: GraphologyOptions = {},
): UserGraphDataset {
  const source = 'graphology graph';
  const featuresAttr = options.featuresAttribute ?? 'features';
  const labelAttr = options.labelAttribute ?? 'label';
  const splitAttr = options.splitAttribute ?? 'split';
  const fail = (at: string, expected: string, found: string): never => {
    throw new DataFormatError({ source, at, expected, found });
  };

  const ids = new NodeIdMap(source);
  const labels: (string | null)[] = [];
  const splits: (SplitName | null)[] = [];
  const rows: (ArrayLike<number> | null)[] = [];
  let anySplit = false;
  graph.forEachNode((node: string, attributes: Attributes) => {
    const at = `node "${node}"`;
    ids.add(node, at);
    const label: unknown = attributes[labelAttr];
    if (label === undefined || label === null) labels.push(null);
    else if (typeof label === 'string') labels.push(label);
    else if (typeof label === 'number' && Number.isInteger(label)) labels.push(String(label));
    else fail(at, `a string or integer "${labelAttr}"`, typeof label);
    const split: unknown = attributes[splitAttr];
    if (split === undefined) splits.push(null);
    else {
      const s = typeof split === 'string' ? parseSplitName(split) : null;
      if (s === null)
        fail(at, `"${splitAttr}" of train, val or test`, JSON.stringify(split) ?? typeof split);
      anySplit = true;
      splits.push(s);
    }
    const f: unknown = attributes[featuresAttr];
    if (f === undefined) rows.push(null);
    else if (isNumberArray(f)) rows.push(f);
    else fail(at, `"${featuresAttr}" as an array of finite numbers`, typeof f);
  });

  const n = ids.ids.length;
  const width = rows.find((r) => r !== null)?.length ?? 0;
  const data = new Float32Array(n * width);
  rows.forEach((row, i) => {
    if (row === null && width === 0) return;
    const r = row ?? [];
    if (row === null || r.length !== width) {
      fail(
        `node "${ids.ids[i]}"`,
        `"${featuresAttr}" of ${width} numbers (as the other nodes)`,
        row === null ? 'none' : `${r.length}`,
      );
    }
    data.set(r, i * width);
  });

  const src: number[] = [];
  const dst: number[] = [];
  graph.forEachEdge(
    (
      edge: string,
      _attributes: Attributes,
      s: string,
      t: string,
      _sa: Attributes,
      _ta: Attributes,
      undirected: boolean,
    ) => {
      const at = `edge "${edge}"`;
      const a = ids.get(s, source, at);
      const b = ids.get(t, source, at);
      src.push(a);
      dst.push(b);
      if (undirected) {
        src.push(b);
        dst.push(a);
      }
    },
  );

  return assembleUserGraph(
    {
      format: 'graphology',
      nodeIds: ids.ids,
      labels,
      splits: anySplit ? splits : null,
      features: { kind: 'dense', cols: width, data },
      src: Int32Array.from(src),
      dst: Int32Array.from(dst),
    },
    options,
  );
}
