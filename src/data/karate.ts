/**
 * Zachary's karate club (W. W. Zachary, "An information flow model for conflict and fission
 * in small groups", J. Anthropological Research 33, 1977): 34 members, 78 friendships, and
 * the club's split into two factions. Built in, no download.
 *
 * Labels follow networkx's `karate_club_graph()` "club" attribute: 0 = "Mr. Hi" (the
 * instructor, node 0), 1 = "Officer" (the administrator, node 33). Nodes are numbered
 * 0..33 as in networkx. Features are the identity (one-hot node id) as CSR.
 *
 * Split (seeded, `seed` default 0): per faction, the members are shuffled by
 * `Random(seed)`; 4 per faction go to train, 3 per faction to val, the other 20 to test.
 */
import { coalesceEdges } from './edges.js';
import { identityCsr } from './features.js';
import type { NodeClassificationDataset } from './graph.js';
import { stratifiedSplit } from './split.js';

/** The 78 friendships as (u, v) with u < v. */
// prettier-ignore
const KARATE_EDGES: readonly (readonly [number, number])[] = [
  [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [0, 8], [0, 10], [0, 11], [0, 12],
  [0, 13], [0, 17], [0, 19], [0, 21], [0, 31], [1, 2], [1, 3], [1, 7], [1, 13], [1, 17],
  [1, 19], [1, 21], [1, 30], [2, 3], [2, 7], [2, 8], [2, 9], [2, 13], [2, 27], [2, 28],
  [2, 32], [3, 7], [3, 12], [3, 13], [4, 6], [4, 10], [5, 6], [5, 10], [5, 16], [6, 16],
  [8, 30], [8, 32], [8, 33], [9, 33], [13, 33], [14, 32], [14, 33], [15, 32], [15, 33],
  [18, 32], [18, 33], [19, 33], [20, 32], [20, 33], [22, 32], [22, 33], [23, 25], [23, 27],
  [23, 29], [23, 32], [23, 33], [24, 25], [24, 27], [24, 31], [25, 31], [26, 29], [26, 33],
  [27, 33], [28, 31], [28, 33], [29, 32], [29, 33], [30, 32], [30, 33], [31, 32], [31, 33],
  [32, 33],
];

/** Members of Mr. Hi's faction (label 0); everyone else sided with the Officer (label 1). */
const MR_HI = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21];

export const KARATE_CLASS_NAMES = ['Mr. Hi', 'Officer'] as const;

export interface KarateClubOptions {
  /** Seed of the split. Default 0. */
  readonly seed?: number;
}

export function karateClub(options: KarateClubOptions = {}): NodeClassificationDataset {
  const numNodes = 34;
  const labels = new Int32Array(numNodes).fill(1);
  for (const i of MR_HI) labels[i] = 0;
  const src = Int32Array.from(KARATE_EDGES, ([u]) => u);
  const dst = Int32Array.from(KARATE_EDGES, ([, v]) => v);
  const edgeIndex = coalesceEdges(src, dst, numNodes, { undirected: true });
  return {
    name: 'KarateClub',
    numNodes,
    numFeatures: numNodes,
    numClasses: 2,
    features: identityCsr(numNodes),
    labels,
    edgeIndex,
    ...stratifiedSplit(labels, 2, 4, 3, options.seed ?? 0),
  };
}
