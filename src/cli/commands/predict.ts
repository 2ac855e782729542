/** `graphattn predict`: the predicted class and class probabilities of chosen nodes. */
import type { Tensor } from '../../tensor/tensor.js';
import { evaluateModel } from '../../train/node-classification.js';
import { commaList, optional } from '../args.js';
import { CHECKPOINT_FLAGS, loadModelAndDataset } from '../checkpoint.js';
import { defineCommand, printLine } from '../command.js';
import { type LoadedDataset, className, nodeLabel, resolveNode, splitOf } from '../dataset.js';
import { formatTable } from '../format.js';

/** Softmax of row `i` of logits [N, C], in float64. */
export function rowSoftmax(logits: Tensor, i: number): number[] {
  const c = logits.shape[1]!;
  const row = Array.from(logits.data.subarray(i * c, (i + 1) * c));
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const z = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / z);
}

/** The true label when the dataset knows it: user graphs leave unsplit nodes unlabelled. */
function knownLabel(dataset: LoadedDataset, i: number): number | null {
  if (dataset.nodeIds !== null && splitOf(dataset.data, i) === '-') return null;
  return dataset.data.labels[i]!;
}

export const predictCommand = defineCommand({
  name: 'predict',
  summary: 'Predicted class and class probabilities of nodes, from a checkpoint.',
  usage: '--checkpoint PATH [--dataset NAME|PATH] [--nodes LIST] [--json]',
  description: [
    'Runs the model once in evaluation mode over the whole graph (every node takes part in message passing) and prints, for each node asked for, the predicted class, the softmax probability of every class, the true label when known and the split the node is in.',
    'Nodes are indices 0..N-1 for the built-in datasets, and the ids as written in the file for user graphs.',
  ],
  flags: {
    ...CHECKPOINT_FLAGS,
    nodes: {
      type: 'string',
      value: 'LIST',
      default: 'every node',
      help: 'Comma-separated nodes, e.g. 3,17,42.',
    },
    json: {
      type: 'boolean',
      help: 'Print one JSON object: {dataset, classes, predictions: [{node, id, class, class_name, probabilities, label, split}]}.',
    },
  },
  examples: [
    'graphattn predict --checkpoint cora.safetensors --dataset cora --nodes 3,17,42',
    'graphattn predict --checkpoint karate.safetensors --dataset karate --json',
  ],
  async run(flags, ctx) {
    const tokens = optional('nodes', flags.string('nodes'), commaList);
    const { model, dataset } = await loadModelAndDataset(
      {
        checkpoint: flags.string('checkpoint'),
        dataset: flags.string('dataset'),
        edges: flags.string('edges'),
        dataDir: flags.string('data-dir'),
        offline: flags.boolean('offline'),
      },
      ctx,
    );
    const nodes =
      tokens === undefined
        ? Array.from({ length: dataset.data.numNodes }, (_, i) => i)
        : tokens.map((t) => resolveNode(dataset, 'nodes', t));
    const { logits, pred } = evaluateModel(model, dataset.data);
    const classes = Array.from({ length: dataset.data.numClasses }, (_, c) =>
      className(dataset, c),
    );

    const predictions = nodes.map((i) => {
      const label = knownLabel(dataset, i);
      return {
        node: i,
        id: nodeLabel(dataset, i),
        class: pred[i]!,
        class_name: classes[pred[i]!]!,
        probabilities: rowSoftmax(logits, i),
        label,
        split: splitOf(dataset.data, i),
      };
    });

    if (flags.boolean('json')) {
      printLine(ctx, JSON.stringify({ dataset: dataset.data.name, classes, predictions }));
      return;
    }
    const header = ['node', 'class', 'p', 'label', 'split', `p(${classes.join(', ')})`];
    const rows = predictions.map((p) => [
      p.id,
      p.class_name,
      p.probabilities[p.class]!.toFixed(3),
      p.label === null ? '-' : classes[p.label]!,
      p.split,
      p.probabilities.map((x) => x.toFixed(3)).join(' '),
    ]);
    printLine(ctx, formatTable([header, ...rows], { header: true }));
  },
});
