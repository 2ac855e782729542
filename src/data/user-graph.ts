/**
 * Turns a user's graph (from CSV, JSON or graphology; see docs/data-formats.md) into a
 * NodeClassificationDataset. The format readers collect node ids, labels, splits, features
 * and edges; this module maps ids and labels to dense integers, cleans the edges and picks
 * the split. Browser-safe.
 */
import type { CsrMatrix } from '../kernels/kernels.js';
import { Tensor } from '../tensor/tensor.js';
import { coalesceEdges } from './edges.js';
import { DataFormatError } from './errors.js';
import { identityCsr } from './features.js';
import type { NodeClassificationDataset, NodeFeatures } from './graph.js';
import { randomSplit, type RandomSplitOptions } from './split.js';

export interface UserGraphOptions {
  /** Dataset name. Default: the format's name ("csv", "json", "graphology"). */
  readonly name?: string;
  /** Add the reverse of every edge. Default true (GAT papers treat citation graphs so). */
  readonly undirected?: boolean;
  /** Drop edges i → i (layers add their own self-loops). Default true. */
  readonly removeSelfLoops?: boolean;
  /**
   * Feature storage: 'sparse' (CSR), 'dense' (Tensor [N, F]) or 'auto' (CSR when at most a
   * quarter of the entries are non-zero). Default 'auto'.
   */
  readonly featureStorage?: 'auto' | 'sparse' | 'dense';
  /** The split used when the input has none: seeded, over the labelled nodes. */
  readonly split?: RandomSplitOptions;
}

/** A user graph keeps its original node ids and class names. */
export interface UserGraphDataset extends NodeClassificationDataset {
  /** External id of node i. */
  readonly nodeIds: readonly string[];
  /** Name of class c (the label as written in the input). */
  readonly classNames: readonly string[];
}

export type SplitName = 'train' | 'val' | 'test';

/** 'train', 'val' / 'valid' / 'validation', 'test' (any case); '' means "in no split". */
export function parseSplitName(value: string): SplitName | null {
  const v = value.trim().toLowerCase();
  if (v === 'train') return 'train';
  if (v === 'val' || v === 'valid' || v === 'validation') return 'val';
  if (v === 'test') return 'test';
  return null;
}

/**
 * What a format reader hands over; labels and ids still as written. A graph without any
 * feature (zero columns) gets identity features (one-hot node ids) as CSR.
 */
export interface CollectedGraph {
  readonly format: string;
  readonly nodeIds: readonly string[];
  /** Label of node i as written, or null when unlabelled (then in no split). */
  readonly labels: readonly (string | null)[];
  /** Split of node i, or null everywhere when the input has no split. */
  readonly splits: readonly (SplitName | null)[] | null;
  readonly features: CollectedFeatures;
  /** Edges as node indices (already mapped from ids). */
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** Optional class order (e.g. the JSON "classes" field). */
  readonly classNames?: readonly string[];
}

export type CollectedFeatures =
  | { readonly kind: 'dense'; readonly cols: number; readonly data: Float32Array } // [N·F]
  | { readonly kind: 'sparse'; readonly matrix: CsrMatrix };

/** Maps external ids to indices, refusing duplicates. */
export class NodeIdMap {
  private readonly index = new Map<string, number>();
  readonly ids: string[] = [];

  constructor(private readonly source: string) {}

  add(id: string, at: string): number {
    if (this.index.has(id)) {
      throw new DataFormatError({
        source: this.source,
        at,
        expected: 'unique node ids',
        found: `"${id}" twice`,
      });
    }
    this.index.set(id, this.ids.length);
    this.ids.push(id);
    return this.ids.length - 1;
  }

  get(id: string, source: string, at: string): number {
    const i = this.index.get(id);
    if (i === undefined) {
      throw new DataFormatError({
        source,
        at,
        expected: 'an id listed among the nodes',
        found: `"${id}"`,
      });
    }
    return i;
  }
}

/**
 * Classes: the given order, or — when every label is an integer 0..C-1 — the integers
 * themselves, or else the distinct labels sorted.
 */
function classOrder(labels: readonly (string | null)[], given?: readonly string[]): string[] {
  if (given !== undefined) return [...given];
  const distinct = [...new Set(labels.filter((l): l is string => l !== null))];
  const ints = distinct.map((l) => (/^\d+$/.test(l) ? Number(l) : -1));
  if (ints.every((v) => v >= 0)) {
    const max = Math.max(-1, ...ints);
    return Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  return distinct.sort();
}

export function assembleUserGraph(
  g: CollectedGraph,
  options: UserGraphOptions = {},
): UserGraphDataset {
  const n = g.nodeIds.length;
  const classNames = classOrder(g.labels, g.classNames);
  const classIndex = new Map(classNames.map((c, i) => [c, i] as const));
  const labels = new Int32Array(n);
  const labelled = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const l = g.labels[i];
    if (l === null || l === undefined) continue;
    const c = classIndex.get(l);
    if (c === undefined) {
      throw new DataFormatError({
        source: g.format,
        at: `node "${g.nodeIds[i]}"`,
        expected: `a label among the classes ${classNames.join(', ')}`,
        found: `"${l}"`,
      });
    }
    labels[i] = c;
    labelled[i] = 1;
  }

  let trainMask: Uint8Array = new Uint8Array(n);
  let valMask: Uint8Array = new Uint8Array(n);
  let testMask: Uint8Array = new Uint8Array(n);
  if (g.splits !== null) {
    for (let i = 0; i < n; i++) {
      const s = g.splits[i];
      if (s === null || s === undefined) continue;
      if (labelled[i] === 0) {
        throw new DataFormatError({
          source: g.format,
          at: `node "${g.nodeIds[i]}"`,
          expected: `a label for a node in the ${s} split`,
          found: 'none',
        });
      }
      (s === 'train' ? trainMask : s === 'val' ? valMask : testMask)[i] = 1;
    }
  } else {
    // Seeded split of the labelled nodes only.
    const labelledIds = Int32Array.from(labelled.keys()).filter((i) => labelled[i] === 1);
    const split = randomSplit(labelledIds.length, options.split);
    trainMask = scatter(split.trainMask, labelledIds, n);
    valMask = scatter(split.valMask, labelledIds, n);
    testMask = scatter(split.testMask, labelledIds, n);
  }

  const edgeIndex = coalesceEdges(g.src, g.dst, n, {
    removeSelfLoops: options.removeSelfLoops ?? true,
    undirected: options.undirected ?? true,
  });

  const { features, numFeatures } = storeFeatures(g.features, n, options.featureStorage ?? 'auto');
  return {
    name: options.name ?? g.format,
    numNodes: n,
    numFeatures,
    numClasses: classNames.length,
    features,
    labels,
    edgeIndex,
    trainMask,
    valMask,
    testMask,
    nodeIds: g.nodeIds,
    classNames,
  };
}

function scatter(mask: Uint8Array, ids: Int32Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < ids.length; k++) out[ids[k]!] = mask[k]!;
  return out;
}

function storeFeatures(
  f: CollectedFeatures,
  n: number,
  storage: 'auto' | 'sparse' | 'dense',
): { features: NodeFeatures; numFeatures: number } {
  if ((f.kind === 'dense' ? f.cols : f.matrix.cols) === 0) {
    // No features at all: one-hot node ids, as for the karate club.
    return { features: identityCsr(n), numFeatures: n };
  }
  if (f.kind === 'sparse') {
    if (storage === 'dense') return { features: csrToTensor(f.matrix), numFeatures: f.matrix.cols };
    return { features: f.matrix, numFeatures: f.matrix.cols };
  }
  let nnz = 0;
  for (const v of f.data) if (v !== 0) nnz++;
  const sparse = storage === 'sparse' || (storage === 'auto' && 4 * nnz <= f.data.length);
  if (!sparse) return { features: new Tensor(f.data, [n, f.cols]), numFeatures: f.cols };
  return { features: denseToCsr(f.data, n, f.cols), numFeatures: f.cols };
}

export function denseToCsr(data: Float32Array, rows: number, cols: number): CsrMatrix {
  let nnz = 0;
  for (const v of data) if (v !== 0) nnz++;
  const rowPtr = new Int32Array(rows + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]!;
      if (v === 0) continue;
      colIdx[p] = c;
      values[p++] = v;
    }
    rowPtr[r + 1] = p;
  }
  return { rows, cols, rowPtr, colIdx, values };
}

function csrToTensor(m: CsrMatrix): Tensor {
  const t = Tensor.zeros([m.rows, m.cols]);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.rowPtr[r]!; p < m.rowPtr[r + 1]!; p++)
      t.data[r * m.cols + m.colIdx[p]!]! += m.values[p]!;
  }
  return t;
}
