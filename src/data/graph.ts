/**
 * The shapes data takes on its way into a model: an edge index as PyG has it (row 0 =
 * source j, row 1 = target i) and a node-classification dataset with split masks.
 */
import type { CsrMatrix } from '../kernels/kernels.js';
import type { Tensor } from '../tensor/tensor.js';

import type { EdgeIndex } from '../graph/edge-index.js';

export type { EdgeIndex };

/** Node features: sparse rows (bag-of-words, TF-IDF) or a dense [N, F] tensor. */
export type NodeFeatures = CsrMatrix | Tensor;

export interface NodeClassificationDataset {
  readonly name: string;
  readonly numNodes: number;
  readonly numFeatures: number;
  readonly numClasses: number;
  readonly features: NodeFeatures; // [N, F]
  readonly labels: Int32Array; // [N], class ids 0..numClasses-1
  readonly edgeIndex: EdgeIndex;
  readonly trainMask: Uint8Array; // [N], 1 = in the split
  readonly valMask: Uint8Array;
  readonly testMask: Uint8Array;
}

export function isCsr(features: NodeFeatures): features is CsrMatrix {
  return 'rowPtr' in features;
}
