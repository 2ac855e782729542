/**
 * When to stop training and which epoch's weights to keep. Two rules, both judged on the
 * eval-mode (no dropout) validation loss and accuracy after every epoch:
 *
 * 'gat' — the rule of the GAT authors' training script (Veličković et al., execute_cora.py),
 * used for the paper's Cora/CiteSeer/PubMed numbers:
 *   - an epoch is *progress* when val acc ≥ the best val acc so far OR val loss ≤ the lowest
 *     val loss so far; progress resets the patience counter, anything else increments it,
 *     and training stops when the counter reaches `patience`;
 *   - the weights are *saved* only when both hold at once (acc ≥ best AND loss ≤ lowest);
 *   - the best acc and lowest loss are then updated independently (max and min).
 *
 * 'pyg' — PyG's citation benchmark (benchmark/citation/train_eval.py): the weights at the
 * strictly lowest val loss are kept; once past half of `maxEpochs`, training stops when the
 * val loss exceeds the mean of the previous `patience` epochs' val losses.
 *
 * Epochs are numbered from 1. Training uses 'gat', the papers' recipe, unless told otherwise
 * (measured figures for both rules at DEFAULT_EARLY_STOPPING in recipes.ts).
 */
import type { EarlyStoppingRule } from './recipes.js';

export interface StoppingDecision {
  /** Keep this epoch's weights as the best so far. */
  readonly save: boolean;
  /** Stop after this epoch. */
  readonly stop: boolean;
}

export interface EarlyStopping {
  update(epoch: number, valLoss: number, valAcc: number): StoppingDecision;
}

export function createEarlyStopping(
  rule: EarlyStoppingRule,
  patience: number,
  maxEpochs: number,
): EarlyStopping {
  switch (rule) {
    case 'gat':
      return gatRule(patience);
    case 'pyg':
      return pygRule(patience, maxEpochs);
    default:
      return rule satisfies never;
  }
}

function gatRule(patience: number): EarlyStopping {
  let bestAcc = -Infinity;
  let bestLoss = Infinity;
  let waited = 0;
  return {
    update(_epoch, valLoss, valAcc) {
      const accOk = valAcc >= bestAcc;
      const lossOk = valLoss <= bestLoss;
      if (!accOk && !lossOk) {
        waited++;
        return { save: false, stop: waited >= patience };
      }
      bestAcc = Math.max(bestAcc, valAcc);
      bestLoss = Math.min(bestLoss, valLoss);
      waited = 0;
      return { save: accOk && lossOk, stop: false };
    },
  };
}

function pygRule(patience: number, maxEpochs: number): EarlyStopping {
  let bestLoss = Infinity;
  const window = new Float64Array(Math.max(patience, 1)); // ring of the last `patience` losses
  let seen = 0;
  return {
    update(epoch, valLoss) {
      const save = valLoss < bestLoss;
      if (save) bestLoss = valLoss;
      let stop = false;
      const filled = Math.min(seen, window.length);
      if (patience > 0 && epoch > Math.floor(maxEpochs / 2) && filled > 0) {
        let sum = 0;
        for (let k = 0; k < filled; k++) sum += window[k]!;
        stop = valLoss > sum / filled;
      }
      window[seen % window.length] = valLoss;
      seen++;
      return { save, stop };
    },
  };
}
