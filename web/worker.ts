/**
 * The training worker: loads the WebAssembly kernels (the reference kernels if they do not
 * load), trains a GAT/GATv2 node classifier, streams each epoch's metrics, then sends the
 * predictions and every layer's attention of the restored model. Training is synchronous,
 * so the page stops a run by terminating the worker.
 */
import {
  type Kernels,
  noGrad,
  paperRecipe,
  referenceKernels,
  setKernels,
  trainNodeClassifier,
  evaluateModel,
  loadWasmKernels,
} from '../src/index.js';
import { loadDataset } from './dataset.js';
import type { LayerAttentionArrays, MainToWorker, TrainRequest, WorkerToMain } from './protocol.js';

/** The part of a dedicated worker's global scope this file uses. */
interface WorkerScope {
  postMessage(message: WorkerToMain, options?: { transfer?: Transferable[] }): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<MainToWorker>) => void): void;
}
const scope: WorkerScope = self;

let kernelsReady: Promise<{ kernels: Kernels; fallbackReason: string | null }> | undefined;

function activateKernels(): Promise<{ kernels: Kernels; fallbackReason: string | null }> {
  kernelsReady ??= loadWasmKernels().then(
    (kernels) => ({ kernels, fallbackReason: null }),
    (e: unknown) => ({
      kernels: referenceKernels,
      fallbackReason: e instanceof Error ? e.message : String(e),
    }),
  );
  return kernelsReady;
}

async function train(request: TrainRequest): Promise<void> {
  const { kernels, fallbackReason } = await activateKernels();
  setKernels(kernels);
  scope.postMessage({ type: 'kernels', name: kernels.name, fallbackReason });

  const { data } = loadDataset(request.source);
  const recipe = paperRecipe(request.source.kind === 'karate' ? 'karate' : 'cora', request.variant);
  const result = trainNodeClassifier(
    data,
    { ...recipe, heads: request.heads, epochs: request.epochs, seed: request.seed },
    {
      onEpoch(m) {
        scope.postMessage({
          type: 'epoch',
          epoch: m.epoch,
          trainLoss: m.trainLoss,
          trainAcc: m.trainAcc,
          valAcc: m.valAcc,
          testAcc: m.testAcc,
          ms: m.ms,
        });
      },
    },
  );

  const model = result.model; // restored best weights, eval mode
  const { pred } = evaluateModel(model, data);
  const { attention } = noGrad(() => model.forwardWithAttention(data.features, data.edgeIndex));
  const layers: LayerAttentionArrays[] = attention.map((a) => ({
    src: a.edgeIndex.src.slice(),
    dst: a.edgeIndex.dst.slice(),
    alpha: a.alpha.data.slice(),
    heads: a.alpha.shape[1]!,
  }));
  scope.postMessage(
    {
      type: 'done',
      epochs: result.epochs,
      bestEpoch: result.bestEpoch,
      trainAcc: result.trainAcc,
      valAcc: result.valAcc,
      testAcc: result.testAcc,
      msPerEpoch: result.msPerEpoch,
      pred,
      layers,
    },
    {
      transfer: [
        pred.buffer,
        ...layers.flatMap((l) => [l.src.buffer, l.dst.buffer, l.alpha.buffer]),
      ],
    },
  );
}

scope.addEventListener('message', (event) => {
  train(event.data).catch((e: unknown) => {
    scope.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  });
});
