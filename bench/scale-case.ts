/**
 * Full-batch GATv2 training at scale, in its own process:
 *   node --import tsx bench/scale-case.ts '{"nodes":1000000,"edges":20000000,"kernels":"wasm","steps":2}'
 * The shape of ../shared/bench/README.md's PyG scale table: GATv2Conv(128 → 8, heads 8) + ELU +
 * GATv2Conv(64 → 16), dense 128-wide float32 features (as PyG's), Adam, one training step =
 * forward + backward + optimiser step. Peak RSS is the whole process's.
 */
import { performance } from 'node:perf_hooks';
import { elu } from '../src/autograd/ops/activations.js';
import { crossEntropy } from '../src/autograd/ops/loss.js';
import { backward, noGrad } from '../src/autograd/variable.js';
import { stochasticBlockModel } from '../src/data/sbm.js';
import { setKernels } from '../src/kernels/backend.js';
import { GATv2Conv } from '../src/nn/gatv2-conv.js';
import { adam } from '../src/optim/optimizers.js';
import { Optimizer } from '../src/optim/optimizer.js';
import { Tensor } from '../src/tensor/tensor.js';
import { loadKernels } from './kernel-choice.js';

interface ScaleSpec {
  nodes: number;
  edges: number;
  kernels: string;
  steps: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ScaleSpec;
setKernels(await loadKernels(spec.kernels));
const t0 = performance.now();
const data = stochasticBlockModel({
  numNodes: spec.nodes,
  numEdges: spec.edges,
  numClasses: 16,
  numFeatures: 128,
  seed: 1,
});
// Dense features, as PyG's benchmark feeds them.
const x = Tensor.zeros([data.numNodes, 128]);
const csr = data.features as { rowPtr: Int32Array; colIdx: Int32Array; values: Float32Array };
for (let r = 0; r < data.numNodes; r++) {
  for (let q = csr.rowPtr[r]!; q < csr.rowPtr[r + 1]!; q++)
    x.data[r * 128 + csr.colIdx[q]!] = csr.values[q]!;
}
const generateMs = performance.now() - t0;

const conv1 = new GATv2Conv({ inChannels: 128, outChannels: 8, heads: 8, seed: 1 });
const conv2 = new GATv2Conv({ inChannels: 64, outChannels: 16, heads: 1, seed: 2 });
const params = [...conv1.parameters(), ...conv2.parameters()];
const optimizer = new Optimizer(params, adam(0.005, { weightDecay: 5e-4 }));
const trainRows = Int32Array.from(
  Array.from(data.trainMask.keys()).filter((i) => data.trainMask[i] === 1),
);

const stepMs: number[] = [];
for (let s = 0; s < spec.steps; s++) {
  const t = performance.now();
  for (const p of params) p.zeroGrad();
  const h = elu(conv1.forward(x, data.edgeIndex, { validate: s === 0 }));
  const loss = crossEntropy(
    conv2.forward(h, data.edgeIndex, { validate: false }),
    data.labels,
    trainRows,
  );
  backward(loss);
  optimizer.step();
  stepMs.push(performance.now() - t);
}
const ti = performance.now();
noGrad(() =>
  conv2.forward(elu(conv1.forward(x, data.edgeIndex, { validate: false })), data.edgeIndex, {
    validate: false,
  }),
);
const inferenceMs = performance.now() - ti;

const sorted = [...stepMs].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    kind: 'scale',
    kernels: spec.kernels,
    nodes: data.numNodes,
    edges: data.edgeIndex.src.length,
    generateMs: Math.round(generateMs),
    firstStepMs: Math.round(stepMs[0]!),
    stepMsMedian: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    inferenceMs: Math.round(inferenceMs),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
