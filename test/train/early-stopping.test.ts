import { describe, expect, it } from 'vitest';
import { createEarlyStopping } from '../../src/train/early-stopping.js';

function replay(
  rule: 'gat' | 'pyg',
  patience: number,
  maxEpochs: number,
  steps: [number, number][],
): { saved: number[]; stoppedAt: number | null } {
  const s = createEarlyStopping(rule, patience, maxEpochs);
  const saved: number[] = [];
  for (let e = 1; e <= steps.length; e++) {
    const [loss, acc] = steps[e - 1]!;
    const d = s.update(e, loss, acc);
    if (d.save) saved.push(e);
    if (d.stop) return { saved, stoppedAt: e };
  }
  return { saved, stoppedAt: null };
}

describe("early stopping: the GAT authors' rule", () => {
  it('saves only when accuracy and loss both improve; either one resets patience', () => {
    const steps: [number, number][] = [
      [1.0, 0.5], // both → save
      [0.9, 0.6], // both → save
      [0.95, 0.7], // acc only → reset, no save
      [0.8, 0.65], // loss only → reset, no save
      [0.8, 0.7], // loss ≤ and acc ≥ (ties count) → save
      [0.9, 0.6], // neither → wait 1
      [0.9, 0.6], // wait 2 → stop at patience 2
      [0.1, 0.9],
    ];
    expect(replay('gat', 2, 1000, steps)).toEqual({ saved: [1, 2, 5], stoppedAt: 7 });
  });
});

describe("early stopping: PyG's citation benchmark rule", () => {
  it('keeps the strictly lowest val loss and stops after half the epochs when the loss exceeds the recent mean', () => {
    const steps: [number, number][] = [
      [1.0, 0],
      [0.8, 0],
      [0.8, 0],
      [0.7, 0], // epochs 1–4: no stopping yet (maxEpochs 8)
      [0.72, 0], // mean of (0.8, 0.7) = 0.75 → go on
      [0.74, 0], // mean of (0.7, 0.72) = 0.71 → stop
      [0.1, 0],
    ];
    expect(replay('pyg', 2, 8, steps)).toEqual({ saved: [1, 2, 4], stoppedAt: 6 });
  });
});
