/**
 * Messages between the page (main.ts) and the training worker (worker.ts). Typed arrays
 * cross the boundary as transferables; tensors and datasets are rebuilt on each side.
 */
import type { GATVariant } from '../src/index.js';

/** Where the graph comes from: the built-in karate club or the text of a JSON file. */
export type DatasetSource =
  | { readonly kind: 'karate' }
  | { readonly kind: 'json'; readonly fileName: string; readonly text: string };

export interface TrainRequest {
  readonly type: 'train';
  readonly source: DatasetSource;
  readonly variant: GATVariant;
  /** Heads of the hidden layer. */
  readonly heads: number;
  /** Upper bound on epochs (early stopping may end sooner). */
  readonly epochs: number;
  readonly seed: number;
}

export type MainToWorker = TrainRequest;

/** One layer's attention as plain arrays: alpha[e * heads + h] is edge src[e] → dst[e]. */
export interface LayerAttentionArrays {
  readonly src: Int32Array; // [E']
  readonly dst: Int32Array; // [E']
  readonly alpha: Float32Array | Float64Array; // [E', H]
  readonly heads: number;
}

export type WorkerToMain =
  | {
      readonly type: 'kernels';
      /** Name of the active kernel table, e.g. 'wasm-relaxed-simd' or 'reference'. */
      readonly name: string;
      /** Why the WebAssembly kernels did not load, when they did not. */
      readonly fallbackReason: string | null;
    }
  | {
      readonly type: 'epoch';
      readonly epoch: number;
      readonly trainLoss: number;
      readonly trainAcc: number;
      readonly valAcc: number;
      readonly testAcc: number;
      readonly ms: number;
    }
  | {
      readonly type: 'done';
      readonly epochs: number;
      readonly bestEpoch: number;
      readonly trainAcc: number;
      readonly valAcc: number;
      readonly testAcc: number;
      readonly msPerEpoch: number;
      /** Predicted class of every node, from the restored (best) weights. */
      readonly pred: Int32Array; // [N]
      readonly layers: readonly LayerAttentionArrays[];
    }
  | { readonly type: 'error'; readonly message: string };
