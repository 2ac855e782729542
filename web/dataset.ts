/**
 * The demo's datasets: the built-in karate club or a user's JSON graph
 * (docs/data-formats.md), with the node ids and class names the page shows.
 * Used by both the page (to draw the graph) and the worker (to train on it).
 */
import {
  KARATE_CLASS_NAMES,
  type NodeClassificationDataset,
  karateClub,
  parseJsonGraph,
} from '../src/index.js';
import type { DatasetSource } from './protocol.js';

export interface DemoDataset {
  readonly data: NodeClassificationDataset;
  /** How node i is written in the input. */
  readonly nodeIds: readonly string[];
  /** Name of class c. */
  readonly classNames: readonly string[];
}

/** Throws the library's DataError (one-line message) when a JSON file is malformed. */
export function loadDataset(source: DatasetSource): DemoDataset {
  if (source.kind === 'karate') {
    const data = karateClub();
    return {
      data,
      nodeIds: Array.from({ length: data.numNodes }, (_, i) => String(i)),
      classNames: [...KARATE_CLASS_NAMES],
    };
  }
  const data = parseJsonGraph(source.text, { source: source.fileName });
  return { data, nodeIds: data.nodeIds, classNames: data.classNames };
}

export type SplitName = 'train' | 'val' | 'test' | '-';

export function splitOf(data: NodeClassificationDataset, node: number): SplitName {
  if (data.trainMask[node] === 1) return 'train';
  if (data.valMask[node] === 1) return 'val';
  if (data.testMask[node] === 1) return 'test';
  return '-';
}
