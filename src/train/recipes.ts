/**
 * Training recipes: the hyper-parameters of the GAT paper (Veličković et al., ICLR 2018,
 * §3.3) for the Planetoid citation datasets, which the GATv2 paper (Brody et al., ICLR 2022)
 * reuses for its transductive runs, and a small recipe for the built-in karate club.
 */
import type { GATVariant } from '../nn/models/gat.js';

/**
 * How training picks the weights it returns (see `early-stopping.ts`):
 * - 'gat': the rule of the GAT authors' code (patience on val accuracy or val loss, keep the
 *   weights where both improved);
 * - 'pyg': PyG's citation benchmark (keep the weights at the lowest val loss; after half the
 *   epochs, stop when the val loss exceeds the mean of the previous `patience` epochs).
 */
export type EarlyStoppingRule = 'gat' | 'pyg';

/**
 * 'gat', the GAT authors' own rule, is the default: it is the papers' recipe. Paper recipe
 * (GAT with value dropout 0.6, see `citation` below), seeds 0–19 (`npx tsx
 * scripts/reproduce.ts --dataset D --model M --runs 20 --early-stopping gat|pyg`), test
 * accuracy mean ± sample std:
 *
 *   Cora     GAT   'gat' 83.1 ± 0.6   'pyg' 82.6 ± 0.7   paper 83.0 ± 0.7
 *   Cora     GATv2 'gat' 83.3 ± 0.5   'pyg' 83.3 ± 0.4
 *   CiteSeer GAT   'gat' 72.6 ± 0.7   'pyg' 72.0 ± 0.6   paper 72.5 ± 0.7
 *   PubMed   GAT   'gat' 77.6 ± 1.1   'pyg' 79.0 ± 0.3   paper 79.0 ± 0.3
 *
 * 'pyg' selects by val loss alone; on Cora and CiteSeer it comes out half a point below
 * 'gat'. The 'gat' rule saves only when val accuracy and
 * val loss improve in the same epoch. On PubMed the val loss bottoms out early (epochs
 * 69–292, half before 125) and 'gat' keeps those early weights, more than a point below
 * 'pyg'; but its val accuracy (80.4 %) is above 'pyg''s (79.6 %): validation alone does not
 * prefer 'pyg', so the default is not switched on the strength of test accuracy.
 */
export const DEFAULT_EARLY_STOPPING: EarlyStoppingRule = 'gat';

export interface TrainConfig {
  model: GATVariant;
  /** Channels per head in the hidden layer. */
  hidden: number;
  /** Heads of the hidden layer (concatenated). */
  heads: number;
  /** Heads of the output layer (averaged). */
  outHeads: number;
  /** Feature dropout before every layer. */
  dropout: number;
  /** Dropout on the attention coefficients. */
  attentionDropout: number;
  /**
   * GAT only: dropout on the projected features where they are summed (GATConv's
   * valueDropout). Absent means 0.
   */
  valueDropout?: number;
  lr: number;
  /** L2 penalty added to the gradient, as torch.optim.Adam(weight_decay=…). */
  weightDecay: number;
  /** Upper bound on training epochs. */
  epochs: number;
  /** Epochs without improvement before stopping (see `earlyStopping`). */
  patience: number;
  /** Seeds weight initialisation and every dropout mask. */
  seed: number;
  /** Default DEFAULT_EARLY_STOPPING ('gat'). */
  earlyStopping?: EarlyStoppingRule;
}

/**
 * Max epochs: the GAT paper trains until patience 100 is exhausted, with a nominal cap of
 * 100 000 epochs; on Cora the patience rules stop runs after 500–900 epochs, so a cap of
 * 1000 (PyG's citation benchmark uses the same bound; its rule stops no earlier than
 * epoch 501 with it) only guards against
 * pathological runs: in 80 Cora runs (GAT and GATv2, both rules) the longest took 905 epochs.
 */
const CITATION: Omit<TrainConfig, 'model'> = {
  hidden: 8,
  heads: 8,
  outHeads: 1,
  dropout: 0.6,
  attentionDropout: 0.6,
  lr: 0.005,
  weightDecay: 5e-4,
  epochs: 1000,
  patience: 100,
  seed: 0,
  earlyStopping: DEFAULT_EARLY_STOPPING,
};

/**
 * The GAT authors' model drops out the projected features where each head sums them, with
 * the input dropout's p (their `attn_head` applies `in_drop` to `seq_fts` too); PyG's GAT
 * does not. The GAT recipes for the citation datasets include it; GATv2, whose authors used
 * PyG's layer, does not.
 */
function citation(model: GATVariant, overrides: Partial<TrainConfig> = {}): TrainConfig {
  const config: TrainConfig = { ...CITATION, model, ...overrides };
  return model === 'gat' ? { ...config, valueDropout: config.dropout } : config;
}

/**
 * The recipe for `dataset` (case-insensitive: 'cora', 'citeseer', 'pubmed', 'karate' or
 * 'karateclub'); any other name gets the Cora recipe.
 */
export function paperRecipe(dataset: string, model: GATVariant): TrainConfig {
  switch (dataset.toLowerCase().replace(/[^a-z]/g, '')) {
    case 'pubmed':
      // GAT paper: 8 output heads, lr 0.01, L2 0.001 on PubMed.
      return citation(model, { outHeads: 8, lr: 0.01, weightDecay: 1e-3 });
    case 'karate':
    case 'karateclub':
      // 34 nodes, one-hot features, 8 labelled: a tiny model, light dropout.
      return {
        ...CITATION,
        model,
        hidden: 4,
        heads: 2,
        dropout: 0.2,
        attentionDropout: 0.2,
        lr: 0.01,
        epochs: 200,
        patience: 100,
      };
    default:
      return citation(model);
  }
}
