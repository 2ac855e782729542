/**
 * `graphattn dictlookup`: the DictionaryLookup experiment of the GATv2 paper (§4.1), which
 * GAT's static attention cannot solve (one head does not fit the training set) and
 * GATv2's dynamic attention can.
 */
import { type DictionaryLookupResult, runDictionaryLookup } from '../../train/dictlookup.js';
import { choice, optional, positiveInt, seedValue } from '../args.js';
import { type CliContext, defineCommand, printLine } from '../command.js';
import { UsageError } from '../errors.js';
import { formatTable, percent } from '../format.js';
import { StatusLine } from '../progress.js';
import { MODELS } from './train.js';

interface LookupRun {
  readonly model: 'gat' | 'gatv2';
  readonly heads: number;
}

/** The paper's comparison (Figure 2): GATv2 with one head against GAT with one and eight. */
export const COMPARISON: readonly LookupRun[] = [
  { model: 'gatv2', heads: 1 },
  { model: 'gat', heads: 1 },
  { model: 'gat', heads: 8 },
];

const DEFAULT_K = 10;
const DEFAULT_DIM = 64;

function label(run: LookupRun): string {
  return `${run.model === 'gatv2' ? 'GATv2' : 'GAT'} ${run.heads} head${run.heads === 1 ? '' : 's'}`;
}

function runOne(
  ctx: CliContext,
  run: LookupRun,
  options: {
    k: number;
    dim: number;
    seed: number;
    epochs: number | undefined;
    quiet: boolean;
  },
): DictionaryLookupResult {
  const status = new StatusLine(ctx.stderr, options.quiet);
  const name = label(run);
  const result = runDictionaryLookup({
    model: run.model,
    k: options.k,
    heads: run.heads,
    dim: options.dim,
    seed: options.seed,
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
    onEpoch: (epoch, trainAcc, testAcc) =>
      status.update(`${name}: epoch ${epoch} train ${percent(trainAcc)} test ${percent(testAcc)}`),
  });
  status.done(
    `${name}: ${result.epochs} epochs, train ${percent(result.trainAcc)}, test ${percent(result.testAcc)}`,
  );
  return result;
}

function toJson(r: DictionaryLookupResult): Record<string, number | string> {
  return {
    model: r.model,
    k: r.k,
    heads: r.heads,
    train_acc: r.trainAcc,
    train_acc_running: r.runningTrainAcc ?? Number.NaN,
    test_acc: r.testAcc,
    epochs: r.epochs,
    ms: r.ms,
  };
}

export const dictlookupCommand = defineCommand({
  name: 'dictlookup',
  summary: 'The GATv2 paper’s DictionaryLookup task: can the attention fit it?',
  usage: '[--model gat|gatv2] [--k K] [--heads H] [--compare] [--json]',
  description: [
    'k key nodes, each holding (key i, value π(i)), all point to k query nodes, each holding key i only; query i must output π(i), so each query has to attend to a different key. GAT’s attention is static — every query ranks the keys in the same order — so one GAT head does not fit the training set and eight can fit it without learning the lookup (poor test accuracy), while GATv2’s dynamic attention solves it (Brody, Alon & Yahav, “How Attentive are Graph Attention Networks?”, ICLR 2022, §4.1).',
    'Trains one attention layer on the task and reports train and test accuracy (test = unseen (key, value) pairs). --compare runs GATv2 with 1 head, GAT with 1 head and GAT with 8 heads and prints them side by side, as the paper’s Figure 2.',
  ],
  flags: {
    model: { type: 'string', value: 'gat|gatv2', default: 'gatv2', help: 'Attention variant.' },
    k: {
      type: 'string',
      value: 'K',
      default: String(DEFAULT_K),
      help: 'Number of keys (= queries = classes), at least 2.',
    },
    heads: { type: 'string', value: 'H', default: '1', help: 'Attention heads.' },
    dim: {
      type: 'string',
      value: 'D',
      default: String(DEFAULT_DIM),
      help: 'Hidden width, split among the heads (the paper uses 128).',
    },
    seed: {
      type: 'string',
      value: 'N',
      default: '0',
      help: 'Seed of the data, initialisation and batch order.',
    },
    epochs: {
      type: 'string',
      value: 'N',
      default: '100',
      help: 'Maximum epochs (a run also ends at 100% training accuracy or when it stops improving).',
    },
    compare: {
      type: 'boolean',
      help: 'Run GATv2 1 head, GAT 1 head and GAT 8 heads and print a table; not with --model or --heads.',
    },
    json: {
      type: 'boolean',
      help: 'Print JSON: {model, k, heads, train_acc, train_acc_running, test_acc, epochs, ms}, or with --compare {k, results: [...]}. train_acc is measured after training in eval mode; train_acc_running over the last epoch in training mode (dropout on), as the paper’s authors report it.',
    },
    quiet: { type: 'boolean', help: 'No progress on stderr.' },
  },
  examples: [
    'graphattn dictlookup --model gatv2 --k 10',
    'graphattn dictlookup --model gat --k 10 --heads 8 --json',
    'graphattn dictlookup --compare --k 10',
  ],
  run(flags, ctx) {
    const k = optional('k', flags.string('k'), positiveInt) ?? DEFAULT_K;
    if (k < 2) throw new UsageError(`--k must be at least 2, found '${flags.string('k')}'`);
    const seed = optional('seed', flags.string('seed'), seedValue) ?? 0;
    const epochs = optional('epochs', flags.string('epochs'), positiveInt);
    const dim = optional('dim', flags.string('dim'), positiveInt) ?? DEFAULT_DIM;
    const options = { k, dim, seed, epochs, quiet: flags.boolean('quiet') };
    const checkHeads = (heads: number): void => {
      if (dim % heads !== 0) {
        throw new UsageError(`--heads must divide the hidden width --dim ${dim}, found ${heads}`);
      }
    };
    const json = flags.boolean('json');

    if (flags.boolean('compare')) {
      for (const conflicting of ['model', 'heads'] as const) {
        if (flags.has(conflicting)) {
          throw new UsageError(
            `--${conflicting} cannot be used with --compare, which runs fixed models`,
          );
        }
      }
      COMPARISON.forEach((run) => checkHeads(run.heads));
      const results = COMPARISON.map((run) => runOne(ctx, run, options));
      if (json) {
        printLine(ctx, JSON.stringify({ k, results: results.map(toJson) }));
        return;
      }
      printLine(ctx, `DictionaryLookup, k = ${k}`);
      printLine(
        ctx,
        formatTable(
          [
            ['model', 'train acc', 'train acc (training mode)', 'test acc', 'epochs'],
            ...results.map((r, i) => [
              label(COMPARISON[i]!),
              percent(r.trainAcc),
              percent(r.runningTrainAcc ?? Number.NaN),
              percent(r.testAcc),
              String(r.epochs),
            ]),
          ],
          { header: true, alignRight: true },
        ),
      );
      return;
    }

    const model = choice('model', flags.string('model') ?? 'gatv2', MODELS);
    const heads = optional('heads', flags.string('heads'), positiveInt) ?? 1;
    checkHeads(heads);
    const r = runOne(ctx, { model, heads }, options);
    if (json) {
      printLine(ctx, JSON.stringify(toJson(r)));
      return;
    }
    printLine(
      ctx,
      formatTable(
        [
          ['task', `DictionaryLookup, k = ${k}`],
          ['model', label({ model, heads })],
          ['train accuracy', percent(r.trainAcc)],
          ['test accuracy', percent(r.testAcc)],
          ['epochs', String(r.epochs)],
        ],
        { header: false },
      ),
    );
  },
});
