/**
 * The graph as SVG. Before training: one grey line per connected pair. After training:
 * one arc per attention edge j → i (both directions of a friendship bend to opposite
 * sides, self-loops are listed in the side panel instead), its width and opacity the
 * weight α_ij of the chosen layer and head. Node fill = predicted class.
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

/** Tableau 10: distinct hues for up to ten classes, then repeated. */
export const CLASS_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;
const UNPREDICTED = '#aeb6bf';
const EDGE = '#3d4650';
const ACCENT = '#7048e8';

export function classColour(c: number): string {
  return CLASS_COLOURS[c % CLASS_COLOURS.length]!;
}

export interface NodeStyle {
  /** Predicted class, or -1 before training. */
  readonly pred: Int32Array | null;
  readonly isTrain: (node: number) => boolean;
  /** Labelled (in a split) and predicted wrong. */
  readonly isWrong: (node: number) => boolean;
}

export interface EdgeAttention {
  readonly src: Int32Array; // [E']
  readonly dst: Int32Array; // [E']
  readonly weight: Float64Array; // [E'], in [0, 1]
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export class GraphView {
  private readonly edgeLayer: SVGGElement;
  private readonly nodeLayer: SVGGElement;
  private positions: Float64Array = new Float64Array(0); // [N, 2]
  private nodeIds: readonly string[] = [];
  private pairs: { src: Int32Array; dst: Int32Array } = {
    src: new Int32Array(0),
    dst: new Int32Array(0),
  };
  private radius = 10;
  private style: NodeStyle | null = null;
  private attention: EdgeAttention | null = null;
  private selected = -1;

  constructor(
    private readonly root: SVGSVGElement,
    readonly width: number,
    readonly height: number,
    private readonly onSelect: (node: number) => void,
  ) {
    root.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const defs = svg('defs', {});
    for (const [id, colour] of [
      ['arrow', EDGE],
      ['arrow-accent', ACCENT],
    ] as const) {
      const marker = svg('marker', {
        id,
        viewBox: '0 0 10 10',
        refX: 10,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        markerUnits: 'userSpaceOnUse',
        orient: 'auto',
      });
      marker.append(svg('path', { d: 'M0,1 L10,5 L0,9 z', fill: colour }));
      defs.append(marker);
    }
    this.edgeLayer = svg('g', { class: 'edges' });
    this.nodeLayer = svg('g', { class: 'nodes' });
    root.replaceChildren(defs, this.edgeLayer, this.nodeLayer);
  }

  /** A new graph: `pairs` are the edges drawn before training (one per connected pair). */
  setGraph(
    positions: Float64Array,
    nodeIds: readonly string[],
    pairs: { src: Int32Array; dst: Int32Array },
  ): void {
    this.positions = positions;
    this.nodeIds = nodeIds;
    this.pairs = pairs;
    // About a fifth of the layout's ideal edge length √(area / N), within [3, 13] pixels.
    const spacing = Math.sqrt((this.width * this.height) / Math.max(1, nodeIds.length));
    this.radius = Math.max(3, Math.min(13, 0.18 * spacing));
    this.attention = null;
    this.style = null;
    this.selected = -1;
    this.draw();
  }

  setNodeStyle(style: NodeStyle): void {
    this.style = style;
    this.drawNodes();
  }

  setAttention(attention: EdgeAttention | null): void {
    this.attention = attention;
    this.drawEdges();
  }

  select(node: number): void {
    this.selected = node;
    this.draw();
  }

  private draw(): void {
    this.drawEdges();
    this.drawNodes();
  }

  private drawEdges(): void {
    const p = this.positions;
    const children: SVGElement[] = [];
    const a = this.attention;
    if (a === null) {
      for (let e = 0; e < this.pairs.src.length; e++) {
        const u = this.pairs.src[e]!;
        const v = this.pairs.dst[e]!;
        children.push(
          svg('line', {
            x1: p[2 * u]!,
            y1: p[2 * u + 1]!,
            x2: p[2 * v]!,
            y2: p[2 * v + 1]!,
            stroke: '#9aa4ae',
            'stroke-width': 1,
          }),
        );
      }
    } else {
      // Highlighted edges (into the selected node) last, so they are drawn on top.
      const order = Array.from(a.src.keys()).sort(
        (x, y) => Number(a.dst[x] === this.selected) - Number(a.dst[y] === this.selected),
      );
      for (const e of order) {
        const j = a.src[e]!;
        const i = a.dst[e]!;
        if (i === j) continue;
        const w = a.weight[e]!;
        const into = i === this.selected;
        const dimmed = this.selected >= 0 && !into;
        const path = svg('path', {
          d: this.arc(j, i),
          fill: 'none',
          stroke: into ? ACCENT : EDGE,
          'stroke-width': ((into ? 1 : 0.3) + 7 * w).toFixed(2),
          'stroke-opacity': (into ? 0.45 + 0.55 * w : (0.1 + 0.9 * w) * (dimmed ? 0.3 : 1)).toFixed(
            3,
          ),
          'stroke-linecap': 'round',
          'data-src': j,
          'data-dst': i,
          'data-weight': w,
        });
        if (w >= 0.15 || into)
          path.setAttribute('marker-end', `url(#${into ? 'arrow-accent' : 'arrow'})`);
        path.append(svg('title', {}));
        path.lastElementChild!.textContent = `${this.nodeIds[j]} → ${this.nodeIds[i]}: α = ${w.toFixed(3)}`;
        children.push(path);
      }
    }
    this.edgeLayer.replaceChildren(...children);
  }

  /** A quadratic arc from j to i, bent to the right of its direction, ending at i's rim. */
  private arc(j: number, i: number): string {
    const p = this.positions;
    const x1 = p[2 * j]!;
    const y1 = p[2 * j + 1]!;
    const x2 = p[2 * i]!;
    const y2 = p[2 * i + 1]!;
    const dx = x2 - x1;
    const dy = y2 - y1;
    const len = Math.hypot(dx, dy) || 1;
    const bend = 0.12 * len;
    const cx = (x1 + x2) / 2 - (dy / len) * bend;
    const cy = (y1 + y2) / 2 + (dx / len) * bend;
    // Stop at the target's circle: step back along the tangent at the end (end − control).
    const tx = x2 - cx;
    const ty = y2 - cy;
    const tl = Math.hypot(tx, ty) || 1;
    const r = this.radius + (i === this.selected ? 8 : 1.5); // outside the selection ring
    const ex = x2 - (tx / tl) * r;
    const ey = y2 - (ty / tl) * r;
    return `M${x1.toFixed(1)},${y1.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`;
  }

  private drawNodes(): void {
    const p = this.positions;
    const n = this.nodeIds.length;
    const labels = n <= 80;
    const children: SVGElement[] = [];
    for (let v = 0; v < n; v++) {
      const pred = this.style?.pred?.[v] ?? -1;
      const isTrain = this.style?.isTrain(v) ?? false;
      const isWrong = pred >= 0 && (this.style?.isWrong(v) ?? false);
      const g = svg('g', {
        class: 'node',
        transform: `translate(${p[2 * v]!.toFixed(1)},${p[2 * v + 1]!.toFixed(1)})`,
        'data-node': v,
        'data-pred': pred,
      });
      if (v === this.selected) {
        g.append(
          svg('circle', { r: this.radius + 5, fill: 'none', stroke: ACCENT, 'stroke-width': 3 }),
        );
      }
      g.append(
        svg('circle', {
          r: this.radius,
          fill: pred >= 0 ? classColour(pred) : UNPREDICTED,
          stroke: isWrong ? '#000' : isTrain ? '#1f2328' : '#fff',
          'stroke-width': isWrong || isTrain ? 2.5 : 1.5,
          'stroke-dasharray': isWrong ? '3 2' : 'none',
        }),
      );
      if (labels) {
        const text = svg('text', {});
        text.textContent = this.nodeIds[v]!.length <= 3 ? this.nodeIds[v]! : '';
        g.append(text);
      }
      const title = svg('title', {});
      title.textContent = this.nodeIds[v]!;
      g.append(title);
      g.addEventListener('click', () => this.onSelect(v));
      children.push(g);
    }
    this.nodeLayer.replaceChildren(...children);
  }
}
