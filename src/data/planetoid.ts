/**
 * The Planetoid citation datasets (Cora, CiteSeer, PubMed) from their original `ind.NAME.*`
 * files, assembled as PyG's `read_planetoid_data` does (DESIGN.md §5):
 *
 * - features = allx followed by tx, with tx row k placed at node test.index[k]; CiteSeer's
 *   test indices leave gaps (isolated nodes with no tx row) that get zero features;
 * - labels = argmax of the one-hot rows of ally / ty (gap nodes: 0, and in no mask);
 * - public split: train = the rows of y, val = the next 500 rows, test = test.index;
 * - edges: the adjacency dict, self-loops removed, sorted by (source, target), duplicates
 *   removed (PyG: remove_self_loops + coalesce). The dicts list every edge both ways, so
 *   PyG's result is already undirected; we add the reverse edges anyway (a no-op on the
 *   canonical files) so the graph is undirected by construction.
 *
 * Browser-safe: this module takes the file bytes; `planetoid-node.ts` finds, downloads and
 * caches them.
 */
import type { CsrMatrix } from '../kernels/kernels.js';
import { coalesceEdges } from './edges.js';
import { DataError, PlanetoidFormatError } from './errors.js';
import { normalizeRows } from './features.js';
import type { NodeClassificationDataset } from './graph.js';
import {
  describePy,
  NdArray,
  ndarrayToFloat32,
  ndarrayToInt32,
  PyBytes,
  PyDict,
  PyList,
  PyTuple,
  type PyValue,
  readPickle,
  ScipyCsr,
} from './pickle.js';

export const PLANETOID_NAMES = ['Cora', 'CiteSeer', 'PubMed'] as const;
export type PlanetoidName = (typeof PLANETOID_NAMES)[number];

/** The file extensions of one dataset: `ind.<name>.<ext>`. */
export const PLANETOID_EXTENSIONS = [
  'x',
  'tx',
  'allx',
  'y',
  'ty',
  'ally',
  'graph',
  'test.index',
] as const;
export type PlanetoidExtension = (typeof PLANETOID_EXTENSIONS)[number];

export type PlanetoidFiles = Readonly<Record<PlanetoidExtension, Uint8Array>>;

/** Size of the public validation split. */
const NUM_VAL = 500;

/**
 * SHA-256 of every canonical file (kimiyoung/planetoid `data/`, commit af6abf4), checked after
 * each download and before a cached file is used.
 */
export const PLANETOID_SHA256: Readonly<
  Record<PlanetoidName, Readonly<Record<PlanetoidExtension, string>>>
> = {
  Cora: {
    x: '23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab',
    tx: 'b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a',
    allx: '9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543',
    y: '94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1',
    ty: '41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad',
    ally: '2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71',
    graph: '58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d',
    'test.index': '297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875',
  },
  CiteSeer: {
    x: 'd20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6',
    tx: '539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21',
    allx: '2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668',
    y: '8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924',
    ty: '55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce',
    ally: 'f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95',
    graph: 'd79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7',
    'test.index': '2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4',
  },
  PubMed: {
    x: 'fbe9cb5c47200d1b7769a26e579be3b7130b556831f9d850e77c4c74f2599b33',
    tx: '4eb5f5d0f30f26497eb0ac6ac9719d09c67e284f1ed0385c93f3ef27a671da3d',
    allx: '508e538e2abdccdd54c4d3e9f49d638b4af7107d85845f66ddea5a5152658b7e',
    y: 'e6c807633307a07ed659249006536a147c7999c797f11a2560752990181b41b3',
    ty: 'ee2e0d4819d9fbcc403689c3bf2e49face401b605932f093bc58ab6461130fdd',
    ally: '0c37bbe3b5014ec365e9d393cf4791925e5ed94fb194305d74f064a8d7b50f0e',
    graph: '5b89f0036ca22909471f1e6558eb42fa06e0c730a577bde5b058b40638f81dc9',
    'test.index': 'b101d421688bbaecbd82e8a18f1e282378d6830f3a37666f28ebc47f844341b5',
  },
};

/** "cora", "Cora", "CORA" → "Cora"; anything else is a DataError listing the names. */
export function planetoidName(name: string): PlanetoidName {
  const found = PLANETOID_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
  if (found === undefined) {
    throw new DataError(
      `Unknown Planetoid dataset "${name}": expected one of ${PLANETOID_NAMES.join(', ')}`,
    );
  }
  return found;
}

/** `ind.cora.x`, `ind.citeseer.test.index`, ... */
export function planetoidFileName(name: PlanetoidName, ext: PlanetoidExtension): string {
  return `ind.${name.toLowerCase()}.${ext}`;
}

export interface PlanetoidOptions {
  /** Divide each feature row by its sum (PyG NormalizeFeatures). Default true. */
  readonly normalizeFeatures?: boolean;
}

/** A Planetoid dataset: features are always sparse rows. */
export interface PlanetoidDataset extends NodeClassificationDataset {
  readonly features: CsrMatrix;
}

/** Builds the dataset from the bytes of its eight files. */
export function parsePlanetoid(
  name: PlanetoidName,
  files: PlanetoidFiles,
  options: PlanetoidOptions = {},
): PlanetoidDataset {
  const file = (ext: PlanetoidExtension): string => planetoidFileName(name, ext);
  const fail = (source: string, expected: string, found: string): never => {
    throw new PlanetoidFormatError({ source, expected, found });
  };

  const x = pickledCsr(files.x, file('x'));
  const tx = pickledCsr(files.tx, file('tx'));
  const allx = pickledCsr(files.allx, file('allx'));
  const y = pickledMatrix(files.y, file('y'));
  const ty = pickledMatrix(files.ty, file('ty'));
  const ally = pickledMatrix(files.ally, file('ally'));
  const adjacency = pickledAdjacency(files.graph, file('graph'));
  const testIndex = parseIndexFile(files['test.index'], file('test.index'));

  // Shapes must agree across files.
  const numFeatures = allx.cols;
  const numClasses = ally.cols;
  for (const [m, ext] of [
    [x, 'x'],
    [tx, 'tx'],
  ] as const) {
    if (m.cols !== numFeatures) {
      fail(file(ext), `${numFeatures} feature columns (as allx)`, `${m.cols}`);
    }
  }
  for (const [m, ext] of [
    [y, 'y'],
    [ty, 'ty'],
  ] as const) {
    if (m.cols !== numClasses)
      fail(file(ext), `${numClasses} label columns (as ally)`, `${m.cols}`);
  }
  if (numClasses < 1) fail(file('ally'), 'at least one label column', '0');
  if (y.rows !== x.rows) fail(file('y'), `${x.rows} label rows (one per row of x)`, `${y.rows}`);
  if (ally.rows !== allx.rows) {
    fail(file('ally'), `${allx.rows} label rows (one per row of allx)`, `${ally.rows}`);
  }
  if (ty.rows !== tx.rows)
    fail(file('ty'), `${tx.rows} label rows (one per row of tx)`, `${ty.rows}`);
  if (testIndex.length !== tx.rows) {
    fail(file('test.index'), `${tx.rows} node ids (one per row of tx)`, `${testIndex.length}`);
  }
  if (y.rows + NUM_VAL > allx.rows) {
    fail(
      file('allx'),
      `at least ${y.rows + NUM_VAL} rows (train + ${NUM_VAL} validation)`,
      `${allx.rows}`,
    );
  }

  // Test nodes come right after the allx rows, possibly with gaps (CiteSeer).
  const numTrain = allx.rows;
  let minTest = Infinity;
  let maxTest = -Infinity;
  for (const t of testIndex) {
    minTest = Math.min(minTest, t);
    maxTest = Math.max(maxTest, t);
  }
  const numNodes = testIndex.length === 0 ? numTrain : maxTest + 1;
  if (testIndex.length > 0 && minTest !== numTrain) {
    fail(
      file('test.index'),
      `the smallest node id to be ${numTrain} (the number of allx rows)`,
      `${minTest}`,
    );
  }
  // Bound the node count by what the files describe, so a corrupt id cannot make us allocate.
  const described = Math.max(adjacency.numKeys, numTrain + tx.rows);
  if (numNodes > described) {
    fail(
      file('test.index'),
      `node ids below ${described} (nodes described by the graph and features)`,
      `${maxTest}`,
    );
  }
  const testRow = new Int32Array(numNodes).fill(-1); // node → tx row
  for (let k = 0; k < testIndex.length; k++) {
    const t = testIndex[k]!;
    if (testRow[t] !== -1) fail(file('test.index'), 'distinct node ids', `${t} twice`);
    testRow[t] = k;
  }
  const bad =
    adjacency.maxId >= numNodes ? adjacency.maxId : adjacency.minId < 0 ? adjacency.minId : -1;
  if (bad !== -1) fail(file('graph'), `node ids in [0, ${numNodes})`, `node id ${bad}`);

  // Features: allx rows, then tx rows at their test nodes, empty rows in the gaps.
  const rowPtr = new Int32Array(numNodes + 1);
  for (let r = 0; r < numNodes; r++) {
    const k = r < numTrain ? -1 : testRow[r]!;
    const len =
      r < numTrain
        ? allx.rowPtr[r + 1]! - allx.rowPtr[r]!
        : k >= 0
          ? tx.rowPtr[k + 1]! - tx.rowPtr[k]!
          : 0;
    rowPtr[r + 1] = rowPtr[r]! + len;
  }
  const nnz = rowPtr[numNodes]!;
  const colIdx = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  const labels = new Int32Array(numNodes);
  for (let r = 0; r < numNodes; r++) {
    const k = r < numTrain ? r : testRow[r]!;
    if (k < 0) continue; // gap: zero features, label 0
    const m = r < numTrain ? allx : tx;
    const start = m.rowPtr[k]!;
    const end = m.rowPtr[k + 1]!;
    colIdx.set(m.colIdx.subarray(start, end), rowPtr[r]);
    values.set(m.values.subarray(start, end), rowPtr[r]);
    labels[r] = argmaxRow(r < numTrain ? ally : ty, k);
  }
  let features: CsrMatrix = { rows: numNodes, cols: numFeatures, rowPtr, colIdx, values };
  if (options.normalizeFeatures ?? true) features = normalizeRows(features);

  const trainMask = new Uint8Array(numNodes);
  const valMask = new Uint8Array(numNodes);
  const testMask = new Uint8Array(numNodes);
  trainMask.fill(1, 0, y.rows);
  valMask.fill(1, y.rows, y.rows + NUM_VAL);
  for (const t of testIndex) testMask[t] = 1;

  const edgeIndex = coalesceEdges(adjacency.src, adjacency.dst, numNodes, {
    removeSelfLoops: true,
    undirected: true,
  });

  return {
    name,
    numNodes,
    numFeatures,
    numClasses,
    features,
    labels,
    edgeIndex,
    trainMask,
    valMask,
    testMask,
  };
}

interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Int32Array; // [rows, cols]
}

/** First column holding the row's maximum (torch.max / numpy.argmax semantics). */
function argmaxRow(m: DenseMatrix, r: number): number {
  let best = 0;
  for (let c = 1; c < m.cols; c++) {
    if (m.data[r * m.cols + c]! > m.data[r * m.cols + best]!) best = c;
  }
  return best;
}

function formatError(source: string, expected: string, found: string): PlanetoidFormatError {
  return new PlanetoidFormatError({ source, expected, found });
}

/** A 2-d integer numpy array (the one-hot label files). */
function pickledMatrix(bytes: Uint8Array, source: string): DenseMatrix {
  const v = readPickle(bytes, source);
  if (!(v instanceof NdArray)) throw formatError(source, 'a numpy array', describePy(v));
  if (v.shape.length !== 2) {
    throw formatError(source, 'a 2-d array of one-hot labels', `shape (${v.shape.join(', ')})`);
  }
  return { rows: v.shape[0]!, cols: v.shape[1]!, data: ndarrayToInt32(v, source, 'labels') };
}

/** A pickled scipy csr_matrix, validated so every index is in range. */
function pickledCsr(bytes: Uint8Array, source: string): CsrMatrix {
  const v = readPickle(bytes, source);
  if (!(v instanceof ScipyCsr) || v.state === null) {
    throw formatError(source, 'a scipy csr_matrix', describePy(v));
  }
  const field = (key: string): PyValue => {
    const f = v.state?.entries.get(key);
    if (f === undefined) throw formatError(source, `a csr_matrix with a "${key}" field`, 'none');
    return f;
  };
  const shape = field('_shape');
  const [rows, cols] = shape instanceof PyTuple ? shape.items : [];
  if (typeof rows !== 'number' || typeof cols !== 'number' || rows < 0 || cols < 0) {
    throw formatError(source, 'a csr_matrix _shape of two non-negative ints', describePy(shape));
  }
  const format = v.state.entries.get('format');
  if (format !== undefined && !(format instanceof PyBytes && format.text() === 'csr')) {
    throw formatError(source, "format 'csr'", describePy(format));
  }
  const array = (key: string): NdArray => {
    const a = field(key);
    if (!(a instanceof NdArray) || a.shape.length !== 1) {
      throw formatError(source, `a 1-d array "${key}"`, describePy(a));
    }
    return a;
  };
  const indptrArr = array('indptr');
  if (indptrArr.size !== rows + 1) {
    throw formatError(source, `indptr of length ${rows + 1} (rows + 1)`, `${indptrArr.size}`);
  }
  const rowPtr = ndarrayToInt32(indptrArr, source, 'indptr');
  const colIdx = ndarrayToInt32(array('indices'), source, 'indices');
  const values = ndarrayToFloat32(array('data'), source, 'data');
  const nnz = colIdx.length;
  if (values.length !== nnz) {
    throw formatError(source, `${nnz} data values (one per index)`, `${values.length}`);
  }
  if (rowPtr[0] !== 0 || rowPtr[rows] !== nnz) {
    throw formatError(source, `indptr from 0 to ${nnz}`, `${rowPtr[0]} to ${rowPtr[rows]}`);
  }
  for (let r = 0; r < rows; r++) {
    if (rowPtr[r + 1]! < rowPtr[r]!) {
      throw formatError(source, 'a non-decreasing indptr', `a decrease at row ${r}`);
    }
  }
  for (let p = 0; p < nnz; p++) {
    const c = colIdx[p]!;
    if (c < 0 || c >= cols) throw formatError(source, `column indices in [0, ${cols})`, `${c}`);
  }
  return { rows, cols, rowPtr, colIdx, values };
}

interface Adjacency {
  readonly src: Int32Array; // dict key
  readonly dst: Int32Array; // neighbour
  readonly numKeys: number;
  readonly minId: number;
  readonly maxId: number;
}

/** The adjacency dict: int node → list of int neighbours. */
function pickledAdjacency(bytes: Uint8Array, source: string): Adjacency {
  const v = readPickle(bytes, source);
  if (!(v instanceof PyDict)) throw formatError(source, 'a dict of adjacency lists', describePy(v));
  const lists: [number, readonly PyValue[]][] = [];
  let total = 0;
  for (const [key, list] of v.entries) {
    if (typeof key !== 'number')
      throw formatError(source, 'int node ids as keys', `the key "${key}"`);
    if (!(list instanceof PyList)) {
      throw formatError(source, `a list of neighbours for node ${key}`, describePy(list));
    }
    lists.push([key, list.items]);
    total += list.items.length;
  }
  const src = new Int32Array(total);
  const dst = new Int32Array(total);
  let e = 0;
  let minId = 0;
  let maxId = -1;
  for (const [k, items] of lists) {
    minId = Math.min(minId, k);
    maxId = Math.max(maxId, k);
    for (const n of items) {
      if (typeof n !== 'number') {
        throw formatError(source, `int neighbour ids for node ${k}`, describePy(n));
      }
      minId = Math.min(minId, n);
      maxId = Math.max(maxId, n);
      src[e] = k;
      dst[e] = n;
      e++;
    }
  }
  return { src, dst, numKeys: v.entries.size, minId, maxId };
}

/** `ind.NAME.test.index`: one non-negative integer per line. */
export function parseIndexFile(bytes: Uint8Array, source: string): Int32Array {
  const text = new TextDecoder('latin1').decode(bytes);
  const lines = text.split('\n');
  const out = new Int32Array(lines.length);
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!/^\d{1,9}$/.test(line)) {
      throw new PlanetoidFormatError({
        source,
        at: `line ${i + 1}`,
        expected: 'a non-negative node id',
        found: `"${line.length > 40 ? `${line.slice(0, 40)}...` : line}"`,
      });
    }
    out[n++] = Number(line);
  }
  return out.slice(0, n);
}
