/** Node-only: read user graph files from disk and parse them with the browser-safe readers. */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { type CsvGraphOptions, parseCsvGraph } from './csv.js';
import { DataError } from './errors.js';
import { type JsonGraphOptions, parseJsonGraph } from './json-graph.js';
import type { UserGraphDataset } from './user-graph.js';

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const reason =
      e instanceof Error && 'code' in e && e.code === 'ENOENT'
        ? 'no such file'
        : e instanceof Error
          ? e.message
          : String(e);
    throw new DataError(`Cannot read the ${what} ${path}: ${reason}`);
  }
}

/** A node CSV/TSV and an edge CSV/TSV (a .tsv extension selects tabs unless `delimiter` is set). */
export async function loadCsvGraph(
  nodesPath: string,
  edgesPath: string,
  options: CsvGraphOptions = {},
): Promise<UserGraphDataset> {
  const [nodes, edges] = await Promise.all([
    readText(nodesPath, 'node file'),
    readText(edgesPath, 'edge file'),
  ]);
  const tsv = extname(nodesPath).toLowerCase() === '.tsv';
  return parseCsvGraph(nodes, edges, {
    nodesSource: nodesPath,
    edgesSource: edgesPath,
    ...(tsv ? { delimiter: '\t' } : {}),
    ...options,
  });
}

/** A JSON graph document (schema in json-graph.ts and docs/data-formats.md). */
export async function loadJsonGraph(
  path: string,
  options: JsonGraphOptions = {},
): Promise<UserGraphDataset> {
  return parseJsonGraph(await readText(path, 'graph file'), { source: path, ...options });
}
