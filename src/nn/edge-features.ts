/** Edge features checked against the layer and laid out in kernel slot order. */
import { type Variable, constant } from '../autograd/variable.js';
import { Tensor, formatShape } from '../tensor/tensor.js';
import type { ForwardOptions, ResolvedOptions } from './attention-options.js';
import { selfLoopEdgeAttr } from './functional/self-loop-attr.js';
import type { PreparedGraph } from './prepared-graph.js';

/**
 * [E, edgeDim] in input order → [E', edgeDim] in slot order, with added loops filled
 * per `fillValue`. Null when the layer has no edge features.
 */
export function edgeFeaturesBySlot(
  layer: string,
  prepared: PreparedGraph,
  edgeAttr: ForwardOptions['edgeAttr'],
  o: ResolvedOptions,
): Variable | null {
  if (edgeAttr === undefined || edgeAttr === null) {
    if (o.edgeDim !== null)
      throw new RangeError(`${layer}: edgeAttr is required (the layer has edgeDim ${o.edgeDim})`);
    return null;
  }
  if (o.edgeDim === null) {
    throw new RangeError(
      `${layer}: edgeAttr was given but the layer has no edgeDim; construct it with edgeDim`,
    );
  }
  const v = edgeAttr instanceof Tensor ? constant(edgeAttr) : edgeAttr;
  const E = prepared.input.src.length;
  const shape = v.shape.length === 1 ? [v.shape[0]!, 1] : v.shape;
  if (shape.length !== 2 || shape[0] !== E || shape[1] !== o.edgeDim) {
    throw new RangeError(
      `${layer}: edgeAttr has shape ${formatShape(v.shape)}, expected [${E}, ${o.edgeDim}] (one row per edge, edgeDim columns)`,
    );
  }
  for (let i = 0; i < v.data.length; i++) {
    if (!Number.isFinite(v.data[i]!)) {
      throw new RangeError(
        `${layer}: edgeAttr has ${v.data[i]} at row ${Math.floor(i / o.edgeDim)}; features must be finite`,
      );
    }
  }
  return selfLoopEdgeAttr(
    v,
    prepared.input.dst,
    prepared.inputIsLoop,
    prepared.inputEdgeOfSlot,
    prepared.dstOfSlot,
    prepared.numDst,
    o.fillValue,
  );
}
