/**
 * User graphs as two delimited text files (CSV or TSV), browser-safe (takes strings):
 *
 *   nodes: a header row, then one row per node: `id`, `label`, an optional `split`
 *          (train / val / test / empty), and every other column is a numeric feature.
 *   edges: one `source,target` pair of node ids per row; a header row naming the columns
 *          (source/target, src/dst or from/to) is optional; extra columns are ignored.
 *
 * Without a split column the split is seeded and random over the labelled nodes.
 * Examples in docs/data-formats.md.
 */
import { DataFormatError } from './errors.js';
import {
  assembleUserGraph,
  NodeIdMap,
  parseSplitName,
  type SplitName,
  type UserGraphDataset,
  type UserGraphOptions,
} from './user-graph.js';

export interface CsvGraphOptions extends UserGraphOptions {
  /** Field delimiter. Default: tab when the first line has one, else comma. */
  readonly delimiter?: ',' | '\t' | ';';
  /** Names used in error messages. Defaults "nodes.csv" and "edges.csv". */
  readonly nodesSource?: string;
  readonly edgesSource?: string;
  /** Column names in the node file. Defaults "id", "label", "split". */
  readonly idColumn?: string;
  readonly labelColumn?: string;
  readonly splitColumn?: string;
  /** Feature columns; default every column other than id, label and split. */
  readonly featureColumns?: readonly string[];
}

interface Row {
  readonly line: number;
  readonly cells: string[];
}

/**
 * Splits delimited text into rows of cells. Fields may be quoted with "…" (a doubled ""
 * inside is a quote; quoted fields may span lines). Blank lines are skipped; \r\n is fine.
 */
export function parseDelimited(text: string, delimiter: string, source: string): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    cells.push(cell);
    if (cells.length > 1 || cells[0]!.trim() !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n') {
      endRow();
      line++;
      rowLine = line;
    } else if (ch !== '\r') {
      cell += ch;
    }
    i++;
  }
  if (quoted) {
    throw new DataFormatError({
      source,
      at: `line ${rowLine}`,
      expected: 'a closing quote',
      found: 'the end of file',
    });
  }
  if (cell !== '' || cells.length > 0) endRow();
  return rows.map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) }));
}

function detectDelimiter(text: string): ',' | '\t' {
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')) || text.length);
  return firstLine.includes('\t') ? '\t' : ',';
}

const EDGE_HEADERS = new Set(['source', 'target', 'src', 'dst', 'from', 'to']);

/** Builds a dataset from the text of a node file and an edge file. */
export function parseCsvGraph(
  nodesText: string,
  edgesText: string,
  options: CsvGraphOptions = {},
): UserGraphDataset {
  const nodesSource = options.nodesSource ?? 'nodes.csv';
  const edgesSource = options.edgesSource ?? 'edges.csv';
  const nodeRows = parseDelimited(
    nodesText,
    options.delimiter ?? detectDelimiter(nodesText),
    nodesSource,
  );
  const header = nodeRows[0];
  if (header === undefined) {
    throw new DataFormatError({
      source: nodesSource,
      expected: 'a header row and one row per node',
      found: 'an empty file',
    });
  }
  const column = (name: string, required: boolean): number => {
    const c = header.cells.indexOf(name);
    if (c < 0 && required) {
      throw new DataFormatError({
        source: nodesSource,
        at: 'line 1',
        expected: `a column named "${name}"`,
        found: `the columns ${header.cells.map((h) => `"${h}"`).join(', ')}`,
      });
    }
    return c;
  };
  const idCol = column(options.idColumn ?? 'id', true);
  const labelCol = column(options.labelColumn ?? 'label', true);
  const splitCol = column(options.splitColumn ?? 'split', options.splitColumn !== undefined);
  const featureCols =
    options.featureColumns?.map((f) => column(f, true)) ??
    header.cells.map((_, c) => c).filter((c) => c !== idCol && c !== labelCol && c !== splitCol);

  const numNodes = nodeRows.length - 1;
  const ids = new NodeIdMap(nodesSource);
  const labels: (string | null)[] = [];
  const splits: (SplitName | null)[] | null = splitCol >= 0 ? [] : null;
  const data = new Float32Array(numNodes * featureCols.length);
  for (let r = 1; r < nodeRows.length; r++) {
    const { line, cells } = nodeRows[r]!;
    const at = `line ${line}`;
    if (cells.length !== header.cells.length) {
      throw new DataFormatError({
        source: nodesSource,
        at,
        expected: `${header.cells.length} fields (as the header)`,
        found: `${cells.length}`,
      });
    }
    const i = ids.add(cells[idCol]!, at);
    const label = cells[labelCol]!;
    labels.push(label === '' ? null : label);
    if (splits !== null) {
      const s = cells[splitCol]!;
      const parsed = parseSplitName(s);
      if (parsed === null && s !== '') {
        throw new DataFormatError({
          source: nodesSource,
          at,
          expected: 'a split of train, val, test or empty',
          found: `"${s}"`,
        });
      }
      splits.push(parsed);
    }
    featureCols.forEach((c, k) => {
      const text = cells[c]!;
      const v = Number(text);
      if (text === '' || !Number.isFinite(v)) {
        throw new DataFormatError({
          source: nodesSource,
          at,
          expected: `a number in column "${header.cells[c]}"`,
          found: `"${text}"`,
        });
      }
      data[i * featureCols.length + k] = v;
    });
  }

  const edgeRows = parseDelimited(
    edgesText,
    options.delimiter ?? detectDelimiter(edgesText),
    edgesSource,
  );
  const first = edgeRows[0];
  const hasHeader =
    first !== undefined && first.cells.slice(0, 2).every((c) => EDGE_HEADERS.has(c.toLowerCase()));
  const body = hasHeader ? edgeRows.slice(1) : edgeRows;
  const src = new Int32Array(body.length);
  const dst = new Int32Array(body.length);
  body.forEach(({ line, cells }, e) => {
    const at = `line ${line}`;
    if (cells.length < 2) {
      throw new DataFormatError({
        source: edgesSource,
        at,
        expected: 'a source and a target id',
        found: `${cells.length} field`,
      });
    }
    src[e] = ids.get(cells[0]!, edgesSource, at);
    dst[e] = ids.get(cells[1]!, edgesSource, at);
  });

  return assembleUserGraph(
    {
      format: 'csv',
      nodeIds: ids.ids,
      labels,
      splits,
      features: { kind: 'dense', cols: featureCols.length, data },
      src,
      dst,
    },
    options,
  );
}
