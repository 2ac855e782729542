/**
 * One full-batch or sampled mini-batch training run in its own process (minibatch-runs.ts):
 *   node --import tsx bench/minibatch-case.ts '{"dataset":"pubmed","model":"gat","side":"sampled",
 *     "seed":0,"options":{"fanouts":[10,10],"batchSize":64},"kernels":"wasm","dataDir":"…"}'
 * Prints one JSON line: kind "minibatch-run", the run's test accuracy, epochs and seconds.
 * Datasets are read from `dataDir` only (no download).
 */
import { loadPlanetoid } from '../src/data/planetoid-node.js';
import { kernels, setKernels } from '../src/kernels/backend.js';
import { loadKernels } from './kernel-choice.js';
import { type MinibatchRunSpec, runMinibatchSide } from './minibatch-runs.js';

export interface MinibatchCaseSpec extends MinibatchRunSpec {
  kernels: string;
  dataDir: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as MinibatchCaseSpec;
setKernels(await loadKernels(spec.kernels));
const data = await loadPlanetoid(spec.dataset, { dataDir: spec.dataDir, download: false });
const run = runMinibatchSide(data, spec);
console.log(
  JSON.stringify({
    kind: 'minibatch-run',
    dataset: data.name,
    model: spec.model,
    kernels: kernels().name,
    fanouts: spec.options.fanouts,
    batchSize: spec.options.batchSize,
    ...run,
    seconds: Math.round(run.seconds * 100) / 100,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
