/**
 * The demo page: choose a graph, train GATv2 or GAT in a worker with a live readout, then
 * see the attention on the graph and rank any node's attended neighbours.
 */
import {
  type GATVariant,
  type LayerAttention,
  Tensor,
  edgeAttentionWeights,
  explainNodeAttention,
  paperRecipe,
} from '../src/index.js';
import { type DemoDataset, loadDataset, splitOf } from './dataset.js';
import { renderNodeDetails } from './details-view.js';
import { GraphView, classColour } from './graph-view.js';
import { fitToFrame, forceLayout } from './layout.js';
import type { DatasetSource, TrainRequest, WorkerToMain } from './protocol.js';

function byId<T extends Element>(id: string, kind: { new (): T; prototype: T }): T {
  const e = document.getElementById(id);
  if (!(e instanceof kind)) throw new Error(`index.html: #${id} is missing or of the wrong kind`);
  return e;
}

const ui = {
  loadKarate: byId('load-karate', HTMLButtonElement),
  file: byId('file', HTMLInputElement),
  datasetInfo: byId('dataset-info', HTMLElement),
  datasetError: byId('dataset-error', HTMLElement),
  variant: byId('variant', HTMLSelectElement),
  heads: byId('heads', HTMLInputElement),
  epochs: byId('epochs', HTMLInputElement),
  seed: byId('seed', HTMLInputElement),
  train: byId('train', HTMLButtonElement),
  stop: byId('stop', HTMLButtonElement),
  status: byId('status', HTMLElement),
  state: byId('state', HTMLElement),
  kernelName: byId('kernel-name', HTMLElement),
  epoch: byId('epoch', HTMLElement),
  trainLoss: byId('train-loss', HTMLElement),
  trainAcc: byId('train-acc', HTMLElement),
  valAcc: byId('val-acc', HTMLElement),
  testAcc: byId('test-acc', HTMLElement),
  msPerEpoch: byId('ms-per-epoch', HTMLElement),
  lossChart: byId('loss-chart', SVGSVGElement),
  layer: byId('layer', HTMLSelectElement),
  head: byId('head', HTMLSelectElement),
  topK: byId('top-k', HTMLInputElement),
  findNode: byId('find-node', HTMLInputElement),
  graph: byId('graph', SVGSVGElement),
  legend: byId('legend', HTMLElement),
  details: byId('node-details', HTMLElement),
};

interface Trained {
  readonly variant: GATVariant;
  readonly pred: Int32Array; // [N]
  readonly attention: readonly LayerAttention[];
}

let source: DatasetSource = { kind: 'karate' };
let dataset: DemoDataset = loadDataset(source);
let trained: Trained | null = null;
let selected = -1;
let worker: Worker | null = null;
const losses: number[] = [];

renderLegend(); // before measuring the drawing area below it
const graphBox = ui.graph.getBoundingClientRect();
const view = new GraphView(
  ui.graph,
  Math.max(400, Math.round(graphBox.width)),
  Math.max(300, Math.round(graphBox.height)),
  (node) => selectNode(node),
);

// ---- dataset ------------------------------------------------------------------------

/** One (u, v) per connected pair, for drawing before there is any attention. */
function connectedPairs(d: DemoDataset): { src: Int32Array; dst: Int32Array } {
  const { src, dst } = d.data.edgeIndex;
  const n = d.data.numNodes;
  const seen = new Set<number>();
  const us: number[] = [];
  const vs: number[] = [];
  for (let e = 0; e < src.length; e++) {
    const u = Math.min(src[e]!, dst[e]!);
    const v = Math.max(src[e]!, dst[e]!);
    if (u === v || seen.has(u * n + v)) continue;
    seen.add(u * n + v);
    us.push(u);
    vs.push(v);
  }
  return { src: Int32Array.from(us), dst: Int32Array.from(vs) };
}

function useDataset(next: DatasetSource): void {
  let loaded: DemoDataset;
  try {
    loaded = loadDataset(next);
  } catch (e) {
    ui.datasetError.textContent = e instanceof Error ? e.message : String(e);
    return;
  }
  stopTraining('not trained');
  clearReadout();
  setState('idle', 'not trained');
  ui.datasetError.textContent = '';
  source = next;
  dataset = loaded;
  trained = null;
  selected = -1;
  const d = loaded.data;
  const pairs = connectedPairs(loaded);
  const iterations = d.numNodes <= 300 ? 300 : d.numNodes <= 2000 ? 100 : 50;
  const raw = forceLayout(d.numNodes, pairs, {
    width: view.width,
    height: view.height,
    iterations,
    seed: 0,
  });
  view.setGraph(fitToFrame(raw, view.width, view.height, 30), loaded.nodeIds, pairs);
  view.setNodeStyle(nodeStyle());
  const count = (m: Uint8Array): number => m.reduce((s, x) => s + x, 0);
  ui.datasetInfo.textContent =
    `${d.name}: ${d.numNodes} nodes, ${pairs.src.length} connected pairs, ` +
    `${d.numFeatures} features, ${d.numClasses} classes; ` +
    `split ${count(d.trainMask)} train / ${count(d.valMask)} val / ${count(d.testMask)} test`;
  applyRecipeDefaults();
  fillAttentionSelects();
  renderLegend();
  renderDetails();
}

function applyRecipeDefaults(): void {
  const recipe = paperRecipe(source.kind === 'karate' ? 'karate' : 'cora', variantChoice());
  ui.heads.value = String(recipe.heads);
  ui.epochs.value = String(recipe.epochs);
}

function variantChoice(): GATVariant {
  return ui.variant.value === 'gat' ? 'gat' : 'gatv2';
}

async function openFile(file: File): Promise<void> {
  useDataset({ kind: 'json', fileName: file.name, text: await file.text() });
}

// ---- training -----------------------------------------------------------------------

function positiveInt(input: HTMLInputElement, fallback: number): number {
  const v = Number(input.value);
  return Number.isInteger(v) && v >= 1 ? v : fallback;
}

function setState(state: 'idle' | 'training' | 'done' | 'stopped' | 'error', text: string): void {
  ui.status.dataset['state'] = state;
  ui.state.textContent = text;
  ui.train.disabled = state === 'training';
  ui.stop.disabled = state !== 'training';
}

function stopTraining(text: string): void {
  if (worker !== null) {
    worker.terminate();
    worker = null;
    setState('stopped', text);
  }
}

function startTraining(): void {
  stopTraining('restarted');
  trained = null;
  clearReadout();
  view.setAttention(null);
  view.setNodeStyle(nodeStyle());
  fillAttentionSelects();
  renderDetails();
  drawLossChart();

  const request: TrainRequest = {
    type: 'train',
    source,
    variant: variantChoice(),
    heads: positiveInt(ui.heads, 2),
    epochs: positiveInt(ui.epochs, 200),
    seed: Math.max(0, Math.floor(Number(ui.seed.value) || 0)),
  };
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker = w;
  w.addEventListener('message', (event: MessageEvent<WorkerToMain>) => {
    if (worker === w) onWorkerMessage(event.data, request);
  });
  w.addEventListener('error', (event) => {
    if (worker !== w) return;
    worker = null;
    setState('error', `worker failed: ${event.message || 'could not start'}`);
  });
  w.postMessage(request);
  setState('training', `training ${request.variant === 'gatv2' ? 'GATv2' : 'GAT'}…`);
}

function clearReadout(): void {
  losses.length = 0;
  pendingEpoch = null;
  for (const e of [ui.epoch, ui.trainLoss, ui.trainAcc, ui.valAcc, ui.testAcc, ui.msPerEpoch])
    e.textContent = '—';
  delete ui.testAcc.dataset['value'];
  drawLossChart();
}

let pendingEpoch: Extract<WorkerToMain, { type: 'epoch' }> | null = null;

function showEpoch(): void {
  const m = pendingEpoch;
  pendingEpoch = null;
  if (m === null || trained !== null) return;
  ui.epoch.textContent = String(m.epoch);
  ui.trainLoss.textContent = m.trainLoss.toFixed(4);
  showAccuracies(m.trainAcc, m.valAcc, m.testAcc);
  ui.msPerEpoch.textContent = m.ms.toFixed(1);
  drawLossChart();
}

function percent(x: number): string {
  return Number.isNaN(x) ? '—' : `${(100 * x).toFixed(1)} %`;
}

function showAccuracies(train: number, val: number, test: number): void {
  ui.trainAcc.textContent = percent(train);
  ui.valAcc.textContent = percent(val);
  ui.testAcc.textContent = percent(test);
  ui.testAcc.dataset['value'] = String(test);
}

function onWorkerMessage(m: WorkerToMain, request: TrainRequest): void {
  switch (m.type) {
    case 'kernels':
      ui.kernelName.textContent =
        m.fallbackReason === null ? m.name : `${m.name} (WebAssembly failed: ${m.fallbackReason})`;
      ui.kernelName.dataset['kernel'] = m.name;
      return;
    case 'epoch':
      losses.push(m.trainLoss);
      if (pendingEpoch === null) requestAnimationFrame(showEpoch);
      pendingEpoch = m;
      return;
    case 'done': {
      worker?.terminate();
      worker = null;
      trained = {
        variant: request.variant,
        pred: m.pred,
        attention: m.layers.map((l) => ({
          edgeIndex: { src: l.src, dst: l.dst },
          alpha: new Tensor(l.alpha, [l.src.length, l.heads]),
        })),
      };
      setState('done', `done: ${m.epochs} epochs, weights of epoch ${m.bestEpoch}`);
      ui.epoch.textContent = `${m.epochs} (best ${m.bestEpoch})`;
      const lastLoss = losses[losses.length - 1];
      if (lastLoss !== undefined) ui.trainLoss.textContent = lastLoss.toFixed(4);
      showAccuracies(m.trainAcc, m.valAcc, m.testAcc);
      ui.msPerEpoch.textContent = m.msPerEpoch.toFixed(1);
      drawLossChart();
      view.setNodeStyle(nodeStyle());
      fillAttentionSelects();
      showAttention();
      renderLegend();
      renderDetails();
      return;
    }
    case 'error':
      worker?.terminate();
      worker = null;
      setState('error', m.message);
      return;
    default:
      m satisfies never;
  }
}

function drawLossChart(): void {
  const w = 260;
  const h = 56;
  if (losses.length < 2) {
    ui.lossChart.replaceChildren();
    return;
  }
  const max = Math.max(...losses);
  const min = Math.min(...losses);
  const span = max - min || 1;
  const points = losses
    .map((l, i) => {
      const x = (i / (losses.length - 1)) * w;
      const y = 4 + (1 - (l - min) / span) * (h - 8);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#7048e8');
  line.setAttribute('stroke-width', '1.5');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
  title.textContent = `train loss ${max.toFixed(3)} → ${losses[losses.length - 1]!.toFixed(3)}`;
  ui.lossChart.replaceChildren(title, line);
}

// ---- attention view -----------------------------------------------------------------

function nodeStyle(): Parameters<GraphView['setNodeStyle']>[0] {
  const d = dataset.data;
  const pred = trained?.pred ?? null;
  return {
    pred,
    isTrain: (v) => d.trainMask[v] === 1,
    isWrong: (v) => pred !== null && splitOf(d, v) !== '-' && pred[v] !== d.labels[v],
  };
}

function fillAttentionSelects(): void {
  const layers = trained?.attention ?? [];
  const keepLayer = ui.layer.value;
  ui.layer.replaceChildren(
    ...layers.map((_, l) => new Option(`${l + 1} of ${layers.length}`, String(l))),
  );
  if (keepLayer !== '' && Number(keepLayer) < layers.length) ui.layer.value = keepLayer;
  ui.layer.disabled = layers.length === 0;
  fillHeadSelect();
}

function fillHeadSelect(): void {
  const layer = trained?.attention[Number(ui.layer.value)];
  const heads = layer?.alpha.shape[1] ?? 0;
  const keep = ui.head.value;
  const options = heads > 1 ? [new Option('mean over heads', 'mean')] : [];
  for (let h = 0; h < heads; h++) options.push(new Option(`${h + 1} of ${heads}`, String(h)));
  ui.head.replaceChildren(...options);
  if (options.some((o) => o.value === keep)) ui.head.value = keep;
  ui.head.disabled = heads === 0;
}

function headChoice(): number | 'mean' {
  return ui.head.value === 'mean' ? 'mean' : Number(ui.head.value);
}

function showAttention(): void {
  const layer = trained?.attention[Number(ui.layer.value)];
  if (layer === undefined) {
    view.setAttention(null);
    return;
  }
  view.setAttention({
    src: layer.edgeIndex.src,
    dst: layer.edgeIndex.dst,
    weight: edgeAttentionWeights(layer, headChoice()),
  });
}

function renderLegend(): void {
  const item = (...children: (Node | string)[]): HTMLSpanElement => {
    const span = document.createElement('span');
    span.className = 'item';
    span.append(...children);
    return span;
  };
  const classes = dataset.classNames;
  const shown = classes.slice(0, 10);
  const swatches = shown.flatMap((name, c) => {
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = classColour(c);
    return [swatch, name];
  });
  if (classes.length > shown.length) swatches.push(` … (${classes.length} classes)`);
  const items = [
    item(
      trained === null ? 'grey until trained; classes:' : 'fill = predicted class:',
      ...swatches,
    ),
    item('bold outline = training node'),
    item('dashed outline = wrong prediction'),
  ];
  if (trained !== null) {
    const head = headChoice();
    items.push(
      item(
        `arc j → i: width, opacity = α_ij of layer ${Number(ui.layer.value) + 1}, ` +
          (head === 'mean' ? 'mean over heads' : `head ${head + 1}`),
      ),
      item('purple = into the selected node'),
    );
  }
  ui.legend.replaceChildren(...items);
}

// ---- node details -------------------------------------------------------------------

function selectNode(node: number): void {
  selected = node;
  view.select(node);
  renderDetails();
}

function renderDetails(): void {
  const d = dataset.data;
  if (selected < 0 || selected >= d.numNodes) {
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent =
      trained === null
        ? 'Train a model, then click a node to see which neighbours it attends to.'
        : 'Click a node (or find one by id) to rank the neighbours it attends to.';
    const title = document.createElement('h2');
    title.textContent = 'Node';
    ui.details.replaceChildren(title, hint);
    return;
  }
  const split = splitOf(d, selected);
  if (trained === null) {
    const title = document.createElement('h2');
    title.textContent = 'Node';
    const p = document.createElement('p');
    p.textContent = `Node ${dataset.nodeIds[selected]} · split ${split}. Train a model to see its attention.`;
    ui.details.replaceChildren(title, p);
    return;
  }
  const node = selected;
  renderNodeDetails(
    ui.details,
    {
      node,
      nodeIds: dataset.nodeIds,
      classNames: dataset.classNames,
      pred: trained.pred,
      label: split === '-' ? null : d.labels[node]!,
      split,
      convName: trained.variant === 'gatv2' ? 'GATv2Conv' : 'GATConv',
      layers: trained.attention.map((a, l) => explainNodeAttention(a, node, l + 1)),
      topK: positiveInt(ui.topK, 5),
    },
    selectNode,
  );
}

function findNode(query: string): void {
  const q = query.trim();
  if (q === '') return;
  let index = dataset.nodeIds.indexOf(q);
  if (index < 0) index = dataset.nodeIds.findIndex((id) => id.toLowerCase() === q.toLowerCase());
  ui.findNode.setCustomValidity(index < 0 ? `no node '${q}'` : '');
  ui.findNode.reportValidity();
  if (index >= 0) selectNode(index);
}

// ---- events -------------------------------------------------------------------------

ui.loadKarate.addEventListener('click', () => useDataset({ kind: 'karate' }));
ui.file.addEventListener('change', () => {
  const file = ui.file.files?.[0];
  if (file !== undefined) void openFile(file);
  ui.file.value = '';
});
ui.train.addEventListener('click', () => startTraining());
ui.stop.addEventListener('click', () => stopTraining('stopped'));
ui.layer.addEventListener('change', () => {
  fillHeadSelect();
  showAttention();
  renderLegend();
});
ui.head.addEventListener('change', () => {
  showAttention();
  renderLegend();
});
ui.topK.addEventListener('input', () => renderDetails());
ui.findNode.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') findNode(ui.findNode.value);
});
ui.findNode.addEventListener('input', () => ui.findNode.setCustomValidity(''));

document.addEventListener('dragover', (event) => {
  event.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (file !== undefined) void openFile(file);
});

useDataset(source);
