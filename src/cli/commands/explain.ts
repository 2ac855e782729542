/**
 * `graphattn explain`: where one node's attention goes. For every layer and head: the top-K
 * in-neighbours by attention weight, and how far the head's distribution over the node's
 * in-neighbours is from uniform:
 *
 *   d  = number of in-neighbours of i in the layer's graph (its self-loop included)
 *   H  = −Σ_j α_ij log α_ij                                  entropy, nats, in [0, log d]
 *   KL = KL(α_i ‖ uniform) = Σ_j α_ij log(d · α_ij) = log d − H   in [0, log d]
 *
 * KL = 0 means the head averages its neighbours like a GCN would; KL = log d means it looks
 * at one neighbour only.
 */
import { noGrad } from '../../autograd/variable.js';
import {
  type HeadAttention as LibraryHeadAttention,
  type NodeAttention,
  type RankedNeighbour,
  explainNodeAttention,
} from '../../nn/explain.js';
import type { LayerAttention } from '../../nn/models/gat.js';
import { evaluateModel } from '../../train/node-classification.js';
import { optional, positiveInt } from '../args.js';
import { CHECKPOINT_FLAGS, loadModelAndDataset } from '../checkpoint.js';
import { defineCommand, printLine } from '../command.js';
import { type LoadedDataset, className, nodeLabel, resolveNode, splitOf } from '../dataset.js';
import { UsageError } from '../errors.js';

export interface HeadAttention extends Omit<LibraryHeadAttention, 'ranked'> {
  /** The top-K in-neighbours, largest weight first. */
  readonly top: readonly RankedNeighbour[];
}

export interface LayerReport extends Omit<NodeAttention, 'heads'> {
  readonly heads: readonly HeadAttention[];
}

/** The library's reading of a node's attention, cut to the top K per head. */
export function explainLayer(
  attention: LayerAttention,
  layer: number,
  node: number,
  topK: number,
): LayerReport {
  const report = explainNodeAttention(attention, node, layer);
  return {
    ...report,
    heads: report.heads.map(({ ranked, ...head }) => ({ ...head, top: ranked.slice(0, topK) })),
  };
}

function describeNeighbour(dataset: LoadedDataset, node: number, self: number): string {
  return `${nodeLabel(dataset, node)}${node === self ? ' (self)' : ''}`;
}

export const explainCommand = defineCommand({
  name: 'explain',
  summary:
    'Where a node’s attention goes: top neighbours per layer and head, distance from uniform.',
  usage: '--checkpoint PATH [--dataset NAME|PATH] --node N [--top K] [--json]',
  description: [
    'Runs the model once in evaluation mode and reads the attention weights α_ij of every layer for the target node i: per head, the --top in-neighbours j with the largest weights (the layer’s own self-loop included), and how far the head’s attention is from uniform.',
    'With d the number of in-neighbours of i (itself included): entropy H = −Σ_j α_ij log α_ij (nats, between 0 and log d), and KL = KL(α_i ‖ uniform) = Σ_j α_ij log(d·α_ij) = log d − H. KL = 0: the head averages all neighbours equally (as a GCN would); KL = log d: it attends to a single neighbour.',
    'Nodes are indices 0..N-1 for the built-in datasets, and the ids as written in the file for user graphs.',
  ],
  flags: {
    ...CHECKPOINT_FLAGS,
    node: { type: 'string', value: 'N', help: 'The target node. Required.' },
    top: { type: 'string', value: 'K', default: '5', help: 'Neighbours listed per head.' },
    json: {
      type: 'boolean',
      help: 'Print one JSON object: {dataset, node, id, predicted, label, split, layers: [{layer, degree, max_entropy, kl_mean, entropy_mean, heads: [{head, kl, entropy, top: [{node, id, weight}]}]}]}.',
    },
  },
  examples: [
    'graphattn explain --checkpoint cora.safetensors --dataset cora --node 17',
    'graphattn explain --checkpoint model.safetensors --dataset graph.json --node alice --top 3 --json',
  ],
  async run(flags, ctx) {
    const nodeToken = flags.string('node');
    if (nodeToken === undefined) throw new UsageError('--node is required');
    const topK = optional('top', flags.string('top'), positiveInt) ?? 5;
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
    const node = resolveNode(dataset, 'node', nodeToken);
    const d = dataset.data;

    model.eval();
    const { attention } = noGrad(() => model.forwardWithAttention(d.features, d.edgeIndex));
    const layers = attention.map((a, l) => explainLayer(a, l + 1, node, topK));
    const predicted = evaluateModel(model, d).pred[node]!;
    const split = splitOf(d, node);
    const label = dataset.nodeIds !== null && split === '-' ? null : d.labels[node]!;

    if (flags.boolean('json')) {
      printLine(
        ctx,
        JSON.stringify({
          dataset: d.name,
          node,
          id: nodeLabel(dataset, node),
          predicted,
          label,
          split,
          layers: layers.map((l) => ({
            layer: l.layer,
            degree: l.degree,
            max_entropy: l.maxEntropy,
            kl_mean: l.klMean,
            entropy_mean: l.entropyMean,
            heads: l.heads.map((h) => ({
              head: h.head,
              kl: h.kl,
              entropy: h.entropy,
              top: h.top.map((t) => ({
                node: t.node,
                id: nodeLabel(dataset, t.node),
                weight: t.weight,
              })),
            })),
          })),
        }),
      );
      return;
    }

    printLine(
      ctx,
      `node ${nodeLabel(dataset, node)} of ${d.name}: predicted ${className(dataset, predicted)}, ` +
        `label ${label === null ? '-' : className(dataset, label)}, split ${split}`,
    );
    for (const l of layers) {
      const conv = model.config.variant === 'gatv2' ? 'GATv2Conv' : 'GATConv';
      printLine(ctx);
      printLine(
        ctx,
        `layer ${l.layer} (${conv}, ${l.heads.length} head${l.heads.length === 1 ? '' : 's'}): ` +
          `${l.degree} in-neighbours incl. self, log ${l.degree} = ${l.maxEntropy.toFixed(3)}`,
      );
      printLine(
        ctx,
        `  mean over heads: KL from uniform ${l.klMean.toFixed(3)}, entropy ${l.entropyMean.toFixed(3)}`,
      );
      for (const h of l.heads) {
        const top = h.top
          .map((t) => `${describeNeighbour(dataset, t.node, node)} ${t.weight.toFixed(3)}`)
          .join(', ');
        printLine(
          ctx,
          `  head ${String(h.head).padStart(2)}  KL ${h.kl.toFixed(3)}  H ${h.entropy.toFixed(3)}  top: ${top}`,
        );
      }
    }
  },
});
