/** `graphattn eval`: a checkpoint's accuracy on the train, validation and test nodes. */
import { evaluateModel } from '../../train/node-classification.js';
import { CHECKPOINT_FLAGS, loadModelAndDataset } from '../checkpoint.js';
import { defineCommand, printLine } from '../command.js';
import { describeDataset } from '../dataset.js';
import { formatTable, percent } from '../format.js';

function countOf(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'Accuracy of a checkpoint on the train, validation and test nodes.',
  usage: '--checkpoint PATH [--dataset NAME|PATH] [--json]',
  description: [
    'Loads the checkpoint, runs the model once in evaluation mode (no dropout) over the whole graph and reports the fraction of correctly classified nodes in each split of the dataset.',
    'Without --dataset, the dataset recorded in the checkpoint is used when it is a built-in one.',
  ],
  flags: {
    ...CHECKPOINT_FLAGS,
    json: {
      type: 'boolean',
      help: 'Print one JSON object: {checkpoint, dataset, model, train_acc, val_acc, test_acc, val_loss}.',
    },
  },
  examples: [
    'graphattn eval --checkpoint cora.safetensors --dataset cora',
    'graphattn eval --checkpoint model.safetensors --dataset nodes.csv --edges edges.csv --json',
  ],
  async run(flags, ctx) {
    const { model, checkpoint, dataset } = await loadModelAndDataset(
      {
        checkpoint: flags.string('checkpoint'),
        dataset: flags.string('dataset'),
        edges: flags.string('edges'),
        dataDir: flags.string('data-dir'),
        offline: flags.boolean('offline'),
      },
      ctx,
    );
    const ev = evaluateModel(model, dataset.data);
    if (flags.boolean('json')) {
      printLine(
        ctx,
        JSON.stringify({
          checkpoint,
          dataset: dataset.data.name,
          model: model.config.variant,
          train_acc: ev.trainAcc,
          val_acc: ev.valAcc,
          test_acc: ev.testAcc,
          val_loss: ev.valLoss,
        }),
      );
      return;
    }
    const d = dataset.data;
    printLine(ctx, `${checkpoint} (${model.config.variant}) on ${describeDataset(dataset)}`);
    printLine(
      ctx,
      formatTable(
        [
          ['split', 'nodes', 'accuracy'],
          ['train', String(countOf(d.trainMask)), percent(ev.trainAcc, 2)],
          ['val', String(countOf(d.valMask)), percent(ev.valAcc, 2)],
          ['test', String(countOf(d.testMask)), percent(ev.testAcc, 2)],
        ],
        { header: true, alignRight: true },
      ),
    );
  },
});
