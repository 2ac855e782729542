/**
 * The side panel for one clicked node: its prediction, then per layer and head the ranked
 * in-neighbours with their attention weights (a bar, with a tick at the uniform weight 1/d)
 * and the head's distance from uniform attention. The weights of a head's rows, "others"
 * included, sum to 1.
 */
import type { NodeAttention } from '../src/index.js';
import { classColour } from './graph-view.js';

export interface NodeDetails {
  readonly node: number;
  readonly nodeIds: readonly string[];
  readonly classNames: readonly string[];
  /** Predicted class of every node. */
  readonly pred: Int32Array;
  /** The node's label, or null when unknown (in no split). */
  readonly label: number | null;
  readonly split: string;
  readonly convName: string;
  readonly layers: readonly NodeAttention[];
  readonly topK: number;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.className !== undefined) e.className = props.className;
  if (props.text !== undefined) e.textContent = props.text;
  e.append(...children);
  return e;
}

function classBadge(classNames: readonly string[], c: number): HTMLSpanElement {
  const swatch = el('span', { className: 'swatch-inline' });
  swatch.style.background = classColour(c);
  return el('span', {}, swatch, classNames[c] ?? String(c));
}

export function renderNodeDetails(
  container: HTMLElement,
  d: NodeDetails,
  onSelectNode: (node: number) => void,
): void {
  const id = d.nodeIds[d.node]!;
  const pred = d.pred[d.node]!;
  const summary = el(
    'p',
    {},
    'predicted ',
    classBadge(d.classNames, pred),
    ' · label ',
    d.label === null ? '—' : classBadge(d.classNames, d.label),
    ` · split ${d.split}`,
  );
  const parts: Node[] = [el('h2', { text: 'Node' }), el('h3', { text: `Node ${id}` }), summary];

  for (const layer of d.layers) {
    const heads = layer.heads.length;
    parts.push(
      el('h3', {
        text: `Layer ${layer.layer} · ${d.convName} · ${heads} head${heads === 1 ? '' : 's'}`,
      }),
      el('p', {
        className: 'hint',
        text:
          `${layer.degree} in-neighbours incl. itself; uniform attention = 1/${layer.degree}, ` +
          `entropy log ${layer.degree} = ${layer.maxEntropy.toFixed(3)} nats`,
      }),
    );
    for (const head of layer.heads) {
      const box = el('div', { className: 'head-attention' });
      box.dataset['layer'] = String(layer.layer);
      box.dataset['head'] = String(head.head);
      box.dataset['kl'] = String(head.kl);
      const share = layer.maxEntropy > 0 ? head.kl / layer.maxEntropy : 0;
      box.append(
        el('h4', { text: `Head ${head.head}` }),
        el('p', {
          className: 'kl',
          text:
            `KL from uniform ${head.kl.toFixed(3)} nats (${(100 * share).toFixed(0)} % of the ` +
            `maximum log d) · entropy ${head.entropy.toFixed(3)}`,
        }),
      );
      const table = el('table');
      const uniform = layer.degree > 0 ? 1 / layer.degree : 0;
      const shown = head.ranked.slice(0, d.topK);
      shown.forEach((r, rank) => {
        const link = el('button', {
          className: 'node-link',
          text: d.nodeIds[r.node]!,
        });
        link.type = 'button';
        link.addEventListener('click', () => onSelectNode(r.node));
        const fill = el('div', { className: 'bar-fill' });
        fill.style.width = `${(100 * r.weight).toFixed(2)}%`;
        const tick = el('div', { className: 'bar-uniform' });
        tick.style.left = `${(100 * uniform).toFixed(2)}%`;
        tick.title = `uniform: 1/${layer.degree}`;
        const row = el(
          'tr',
          {},
          el('td', { className: 'rank', text: String(rank + 1) }),
          el('td', {}, link, r.node === d.node ? ' (self)' : ''),
          el('td', { className: 'bar' }, el('div', { className: 'bar-track' }, fill, tick)),
          el('td', { className: 'weight', text: r.weight.toFixed(3) }),
        );
        row.className = 'neighbour';
        row.dataset['node'] = String(r.node);
        row.dataset['weight'] = String(r.weight);
        table.append(row);
      });
      const rest = head.ranked.slice(d.topK);
      if (rest.length > 0) {
        const weight = rest.reduce((s, r) => s + r.weight, 0);
        const row = el(
          'tr',
          { className: 'others' },
          el('td'),
          el('td', { text: `${rest.length} more` }),
          el('td'),
          el('td', { className: 'weight', text: weight.toFixed(3) }),
        );
        row.dataset['weight'] = String(weight);
        table.append(row);
      }
      box.append(table);
      parts.push(box);
    }
  }
  container.replaceChildren(...parts);
}
