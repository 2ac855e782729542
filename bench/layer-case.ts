/**
 * One benchmark case, run in its own process so that peak memory is its own:
 *   node --import tsx bench/layer-case.ts '<json CaseSpec>'
 * Prints one JSON line: timings, and the rise of peak RSS over the post-setup baseline.
 */
import { performance } from 'node:perf_hooks';
import { backward, parameter } from '../src/autograd/variable.js';
import { setKernels } from '../src/kernels/backend.js';
import { sortByTarget } from '../src/graph/target-csr.js';
import { gatv2Attention } from '../src/nn/functional/gatv2-attention.js';
import { GATConv } from '../src/nn/gat-conv.js';
import { GATv2Conv } from '../src/nn/gatv2-conv.js';
import { Random } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { loadKernels } from './kernel-choice.js';

export interface CaseSpec {
  kind: 'layer' | 'fused-attention';
  layer?: 'GATConv' | 'GATv2Conv';
  nodes: number;
  edges: number; // before self-loops
  inChannels: number;
  heads: number;
  channels: number;
  repeats: number;
  kernels: string;
}

function randomEdges(n: number, e: number, rng: Random): { src: Int32Array; dst: Int32Array } {
  const src = new Int32Array(e);
  const dst = new Int32Array(e);
  for (let k = 0; k < e; k++) {
    const s = rng.int(n);
    let d = rng.int(n - 1);
    if (d >= s) d++; // no self-loops: the layer adds one per node
    src[k] = s;
    dst[k] = d;
  }
  return { src, dst };
}

function randomTensor(shape: number[], rng: Random): Tensor {
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformIn(-1, 1);
  return t;
}

const mib = (kib: number): number => Math.round((kib / 1024) * 10) / 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as CaseSpec;
  setKernels(await loadKernels(spec.kernels));
  const rng = new Random(1);
  const edges = randomEdges(spec.nodes, spec.edges, rng);
  const HC = spec.heads * spec.channels;
  const times: number[] = [];
  let baseline: number;
  const forwardMs: number[] = [];

  if (spec.kind === 'layer') {
    const x = parameter(randomTensor([spec.nodes, spec.inChannels], rng));
    const options = {
      inChannels: spec.inChannels,
      outChannels: spec.channels,
      heads: spec.heads,
      seed: 1,
    };
    const layer = spec.layer === 'GATConv' ? new GATConv(options) : new GATv2Conv(options);
    const upstream = randomTensor([spec.nodes, HC], rng);
    layer.forward(x, edges); // prepares (and caches) the graph
    if (typeof gc === 'function') gc();
    baseline = process.resourceUsage().maxRSS;
    for (let r = 0; r < spec.repeats; r++) {
      layer.zeroGrad();
      x.zeroGrad();
      const t0 = performance.now();
      const out = layer.forward(x, edges);
      const t1 = performance.now();
      backward(out, upstream);
      times.push(performance.now() - t0);
      forwardMs.push(t1 - t0);
    }
  } else {
    const { graph } = sortByTarget(edges, spec.nodes, spec.nodes);
    const xl = parameter(randomTensor([spec.nodes, HC], rng));
    const xr = parameter(randomTensor([spec.nodes, HC], rng));
    const att = parameter(randomTensor([HC], rng));
    const upstream = randomTensor([spec.nodes, HC], rng);
    if (typeof gc === 'function') gc();
    baseline = process.resourceUsage().maxRSS;
    for (let r = 0; r < spec.repeats; r++) {
      const t0 = performance.now();
      const { out } = gatv2Attention(graph, xl, xr, null, att, {
        heads: spec.heads,
        channels: spec.channels,
        negativeSlope: 0.2,
        dropScale: null,
      });
      const t1 = performance.now();
      backward(out, upstream);
      times.push(performance.now() - t0);
      forwardMs.push(t1 - t0);
      xl.zeroGrad();
      xr.zeroGrad();
      att.zeroGrad();
    }
  }
  const peak = process.resourceUsage().maxRSS;
  const E = spec.edges + spec.nodes;
  console.log(
    JSON.stringify({
      ...spec,
      edgesWithLoops: E,
      forwardBackwardMsMedian: Math.round(median(times) * 100) / 100,
      forwardMsMedian: Math.round(median(forwardMs) * 100) / 100,
      baselineRssMiB: mib(baseline),
      peakRssMiB: mib(peak),
      workingMemoryMiB: mib(peak - baseline),
      // What one [E, H, C] float32 buffer would take, which the fused kernels never allocate.
      oneEdgeHeadChannelBufferMiB: Math.round(((E * HC * 4) / 2 ** 20) * 10) / 10,
    }),
  );
}

await main();
