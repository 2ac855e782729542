/**
 * Child process for checkpoint-node.test.ts: saves checkpoints of a large model to argv[2]
 * in a loop, forever. Checkpoint i has every weight of conv1 and the metric `iteration`
 * equal to i, and "saved i" is printed once it is on disk, so the parent can kill this
 * process at any moment and check that the file holds one complete checkpoint.
 */
import { GATModel } from '../../../src/nn/models/gat.js';
import { saveCheckpoint } from '../../../src/train/checkpoint-node.js';

const path = process.argv[2];
if (path === undefined) throw new Error('save-loop: expected the checkpoint path as argument');
// conv1 weight: [64, 20000] float32, about 5 MB per checkpoint.
const model = new GATModel({
  variant: 'gat',
  inChannels: 20000,
  hiddenChannels: 8,
  outChannels: 3,
});
const weight = model.namedParameters().find(([name]) => name === 'conv1.lin.weight')![1];
for (let i = 0; ; i++) {
  weight.value.data.fill(i);
  saveCheckpoint(path, model, { metrics: { iteration: i } });
  process.stdout.write(`saved ${i}\n`);
}
