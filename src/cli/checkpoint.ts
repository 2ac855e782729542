/**
 * `--checkpoint F` with `--dataset`: the model and the dataset it is applied to, checked to
 * fit each other. Without --dataset, the dataset recorded in the checkpoint is used when it
 * is a built-in one (graphattn's own checkpoints and the PyG Cora fixtures record it).
 */
import type { GATModel } from '../nn/models/gat.js';
import { loadCheckpoint } from '../train/checkpoint-node.js';
import type { CliContext } from './command.js';
import {
  DATASET_FLAGS,
  type DatasetRequest,
  type LoadedDataset,
  builtinName,
  loadDataset,
} from './dataset.js';
import { UsageError } from './errors.js';

export const CHECKPOINT_FLAGS = {
  checkpoint: {
    type: 'string',
    value: 'PATH',
    help: 'A .safetensors checkpoint written by `graphattn train --save` (or a PyG model fixture). Required.',
  },
  ...DATASET_FLAGS,
} as const;

export interface CheckpointRequest extends DatasetRequest {
  readonly checkpoint?: string;
}

export interface LoadedModel {
  readonly model: GATModel;
  readonly checkpoint: string;
  readonly dataset: LoadedDataset;
}

export async function loadModelAndDataset(
  request: CheckpointRequest,
  ctx: CliContext,
): Promise<LoadedModel> {
  const path = request.checkpoint;
  if (path === undefined) throw new UsageError('--checkpoint is required');
  const { model, metadata } = loadCheckpoint(path);
  let datasetSpec = request.dataset;
  if (datasetSpec === undefined) {
    const recorded = metadata.dataset;
    if (recorded === undefined || builtinName(recorded) === null) {
      throw new UsageError(
        `--dataset is required: ${path} does not record a built-in dataset${recorded === undefined ? '' : ` (it says '${recorded}')`}`,
      );
    }
    datasetSpec = recorded;
  }
  const dataset = await loadDataset({ ...request, dataset: datasetSpec }, ctx, {
    fallback: false,
  });
  checkFits(model, dataset, path);
  model.eval();
  return { model, checkpoint: path, dataset };
}

function checkFits(model: GATModel, dataset: LoadedDataset, path: string): void {
  const c = model.config;
  const d = dataset.data;
  if (c.inChannels !== d.numFeatures) {
    throw new UsageError(
      `${path} expects ${c.inChannels} input features, but ${d.name} has ${d.numFeatures}: was it trained on another dataset?`,
    );
  }
  if (c.outChannels !== d.numClasses) {
    throw new UsageError(
      `${path} predicts ${c.outChannels} classes, but ${d.name} has ${d.numClasses}: was it trained on another dataset?`,
    );
  }
}
