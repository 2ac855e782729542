/**
 * `--dataset` for every command: a built-in name (cora, citeseer, pubmed, karate) or a user
 * graph on disk (a JSON document, or a node CSV/TSV with its edge file in `--edges`).
 *
 * Planetoid files come from `--data-dir`, else $GRAPHATTN_DATA, else the user cache, and
 * missing ones are downloaded (from $GRAPHATTN_DATA_URL when set, which tests point at a
 * closed local port) unless `--offline`. Without `--dataset`, `train` wants Cora and falls
 * back to the built-in karate club, with a notice, when Cora cannot be had.
 */
import { extname } from 'node:path';

import { DatasetUnavailableError } from '../data/errors.js';
import type { NodeClassificationDataset } from '../data/graph.js';
import { KARATE_CLASS_NAMES, karateClub } from '../data/karate.js';
import { loadPlanetoid } from '../data/planetoid-node.js';
import { PLANETOID_NAMES } from '../data/planetoid.js';
import { loadCsvGraph, loadJsonGraph } from '../data/user-graph-node.js';
import type { UserGraphDataset } from '../data/user-graph.js';
import type { FlagSpecs } from './args.js';
import { type CliContext, notice } from './command.js';
import { UsageError } from './errors.js';

/** The flags that choose a dataset; shared by train, eval, predict and explain. */
export const DATASET_FLAGS = {
  dataset: {
    type: 'string',
    value: 'NAME|PATH',
    help: 'cora, citeseer, pubmed, karate (built in), a graph .json file, or a node .csv/.tsv file (with --edges).',
  },
  edges: {
    type: 'string',
    value: 'PATH',
    help: 'The edge .csv/.tsv file (source,target per row) of a node CSV given to --dataset.',
  },
  'data-dir': {
    type: 'string',
    value: 'DIR',
    default: '$GRAPHATTN_DATA, else ~/.cache/graphattn/planetoid',
    help: 'Folder with the Planetoid ind.NAME.* files; missing files are downloaded into it.',
  },
  offline: {
    type: 'boolean',
    help: 'Never download: a Planetoid file missing from the data folder is an error.',
  },
} as const satisfies FlagSpecs;

export const BUILTIN_DATASETS = ['cora', 'citeseer', 'pubmed', 'karate'] as const;
export type BuiltinDataset = (typeof BUILTIN_DATASETS)[number];

export interface DatasetRequest {
  /** --dataset as given. */
  readonly dataset?: string;
  readonly edges?: string;
  readonly dataDir?: string;
  readonly offline: boolean;
}

export interface LoadedDataset {
  readonly data: NodeClassificationDataset;
  /** What to store in a checkpoint and accept back in --dataset: 'cora', 'karate' or the path. */
  readonly key: string;
  /** Built-in name when it is one. */
  readonly builtin: BuiltinDataset | null;
  /** Class names when the source has them (karate, user graphs). */
  readonly classNames: readonly string[] | null;
  /** External node ids of a user graph; built-in graphs are addressed by index. */
  readonly nodeIds: readonly string[] | null;
}

/** 'Cora', 'cora', 'KarateClub' → the built-in name; anything else → null. */
export function builtinName(name: string): BuiltinDataset | null {
  const n = name.trim().toLowerCase();
  if (n === 'karateclub' || n === 'karate-club' || n === 'karate_club') return 'karate';
  return BUILTIN_DATASETS.find((b) => b === n) ?? null;
}

const NODE_FILE_EXTENSIONS = new Set(['.csv', '.tsv', '.txt']);

/** Loads what `--dataset`/`--edges` name; `fallback` enables train's Cora → karate default. */
export async function loadDataset(
  request: DatasetRequest,
  ctx: CliContext,
  options: { readonly fallback: boolean },
): Promise<LoadedDataset> {
  const spec = request.dataset;
  if (spec === undefined) {
    if (request.edges !== undefined) {
      throw new UsageError(
        '--edges needs the node file in --dataset, e.g. --dataset nodes.csv --edges edges.csv',
      );
    }
    if (!options.fallback) throw new UsageError('--dataset is required');
    try {
      return await loadBuiltin('cora', request, ctx);
    } catch (e) {
      if (!(e instanceof DatasetUnavailableError)) throw e;
      notice(
        ctx,
        `Cora is not available (${firstSentence(e.message)}); training on the built-in karate club instead. ` +
          'Pass --dataset to choose a dataset.',
      );
      return loadBuiltin('karate', request, ctx);
    }
  }
  const builtin = builtinName(spec);
  if (builtin !== null) {
    if (request.edges !== undefined) {
      throw new UsageError(
        `--edges is only for a node .csv/.tsv file given to --dataset, not '${spec}'`,
      );
    }
    return loadBuiltin(builtin, request, ctx);
  }
  return loadUserGraph(spec, request.edges);
}

async function loadBuiltin(
  name: BuiltinDataset,
  request: DatasetRequest,
  ctx: CliContext,
): Promise<LoadedDataset> {
  if (name === 'karate') {
    return {
      data: karateClub(),
      key: 'karate',
      builtin: 'karate',
      classNames: KARATE_CLASS_NAMES,
      nodeIds: null,
    };
  }
  const baseUrl = ctx.env.GRAPHATTN_DATA_URL;
  const data = await loadPlanetoid(name, {
    ...(request.dataDir === undefined ? {} : { dataDir: request.dataDir }),
    ...(baseUrl === undefined || baseUrl === '' ? {} : { baseUrl }),
    download: !request.offline,
    progress: ctx.stderr.isTTY,
    env: ctx.env,
  });
  return { data, key: name, builtin: name, classNames: null, nodeIds: null };
}

async function loadUserGraph(path: string, edges: string | undefined): Promise<LoadedDataset> {
  const ext = extname(path).toLowerCase();
  let data: UserGraphDataset;
  if (ext === '.json') {
    if (edges !== undefined) {
      throw new UsageError(
        `--edges is only for a node .csv/.tsv file; ${path} holds its edges itself`,
      );
    }
    data = await loadJsonGraph(path);
  } else if (NODE_FILE_EXTENSIONS.has(ext)) {
    if (edges === undefined) {
      throw new UsageError(
        `${path} is a node file: give its edge file too, e.g. --edges edges.csv`,
      );
    }
    data = await loadCsvGraph(path, edges);
  } else {
    const names = PLANETOID_NAMES.map((n) => n.toLowerCase()).join(', ');
    throw new UsageError(
      `--dataset must be ${names}, karate, a graph .json file or a node .csv/.tsv file, found '${path}'`,
    );
  }
  return { data, key: path, builtin: null, classNames: data.classNames, nodeIds: data.nodeIds };
}

function firstSentence(message: string): string {
  const cut = message.indexOf('. ');
  return cut === -1 ? message : message.slice(0, cut);
}

/** Name of class `c` for display: the source's name when it has one, else the id. */
export function className(dataset: LoadedDataset, c: number): string {
  return dataset.classNames?.[c] ?? String(c);
}

/** Display id of node `i`: its external id for user graphs, the index otherwise. */
export function nodeLabel(dataset: LoadedDataset, i: number): string {
  return dataset.nodeIds?.[i] ?? String(i);
}

/**
 * Resolves a node given on the command line: an external id for user graphs (ids are
 * strings as written in the file), an index 0..N-1 for built-in datasets.
 */
export function resolveNode(dataset: LoadedDataset, flag: string, token: string): number {
  const n = dataset.data.numNodes;
  if (dataset.nodeIds !== null) {
    const i = dataset.nodeIds.indexOf(token);
    if (i === -1) {
      throw new UsageError(`--${flag}: no node with id '${token}' in ${dataset.key}`);
    }
    return i;
  }
  if (!/^\d+$/.test(token) || Number(token) >= n) {
    throw new UsageError(`--${flag} must be node indices in 0..${n - 1}, found '${token}'`);
  }
  return Number(token);
}

/** 'train', 'val', 'test' or '-' for node i. */
export function splitOf(
  data: NodeClassificationDataset,
  i: number,
): 'train' | 'val' | 'test' | '-' {
  if (data.trainMask[i] === 1) return 'train';
  if (data.valMask[i] === 1) return 'val';
  if (data.testMask[i] === 1) return 'test';
  return '-';
}

/** "Cora: 2708 nodes, 10556 edges, 1433 features, 7 classes" */
export function describeDataset(dataset: LoadedDataset): string {
  const d = dataset.data;
  return `${d.name}: ${d.numNodes} nodes, ${d.edgeIndex.src.length} edges, ${d.numFeatures} features, ${d.numClasses} classes`;
}
