/**
 * Reverse-mode automatic differentiation.
 *
 * Every differentiable op computes its forward value with the kernels and records, beside it,
 * a closure that maps the gradient of its output to the gradients of its inputs (written by
 * hand for each op, next to its forward). `backward(loss)` orders the recorded ops
 * topologically (the tape) and replays it in reverse, summing gradients into `.grad`.
 */
import { unpooled } from '../tensor/pool.js';
import { kernels } from '../kernels/backend.js';
import { Tensor, formatShape } from '../tensor/tensor.js';

/** Maps the gradient of an op's output to one gradient per input (null: no gradient). */
export type BackwardFn = (outputGrad: Tensor) => readonly (Tensor | null)[];

interface TapeEntry {
  readonly inputs: readonly Variable[];
  readonly backward: BackwardFn;
  readonly name: string;
}

let gradEnabled = true;

/** Runs `fn` without recording ops (inference, optimiser updates). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export class Variable {
  value: Tensor;
  grad: Tensor | null = null;
  readonly requiresGrad: boolean;
  /** The op that produced this variable; null for leaves (parameters, inputs). */
  readonly creator: TapeEntry | null;

  constructor(value: Tensor, requiresGrad = false, creator: TapeEntry | null = null) {
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.creator = creator;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get data(): Tensor['data'] {
    return this.value.data;
  }

  zeroGrad(): void {
    this.grad = null;
  }
}

/** A leaf that receives gradients (a parameter or an input under test). */
export function parameter(value: Tensor): Variable {
  return new Variable(value, true);
}

/** A leaf that never receives gradients. */
export function constant(value: Tensor): Variable {
  return new Variable(value, false);
}

/**
 * Records the output of an op. When no input needs a gradient (or recording is off) the
 * output is a constant and `backward` is dropped, so inference keeps nothing alive.
 */
export function record(
  name: string,
  value: Tensor,
  inputs: readonly Variable[],
  backward: BackwardFn,
): Variable {
  if (!gradEnabled || !inputs.some((v) => v.requiresGrad)) return new Variable(value, false);
  return new Variable(value, true, { inputs, backward, name });
}

/**
 * Back-propagates from `output`. With no `seed`, output must hold one element and the seed
 * is 1. Gradients are added into each leaf's `.grad` (zero them between steps).
 */
export function backward(output: Variable, seed?: Tensor): void {
  if (!output.requiresGrad) {
    throw new Error(
      'backward: the output does not depend on any variable that requires a gradient',
    );
  }
  if (seed === undefined) {
    if (output.value.size !== 1) {
      throw new Error(
        `backward: a seed gradient is needed for an output of shape ${formatShape(output.shape)}`,
      );
    }
    seed = Tensor.full(output.shape, 1, output.value.dtype);
  } else if (seed.size !== output.value.size) {
    throw new Error(
      `backward: seed of shape ${formatShape(seed.shape)} does not match output of shape ${formatShape(output.shape)}`,
    );
  }

  // Topological order by iterative depth-first search (deep graphs must not blow the stack).
  const order: Variable[] = [];
  const visited = new Set<Variable>();
  const stack: [Variable, number][] = [[output, 0]];
  visited.add(output);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [v, next] = top;
    const inputs = v.creator?.inputs ?? [];
    if (next < inputs.length) {
      top[1] = next + 1;
      const child = inputs[next]!;
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(v);
    }
  }

  // Intermediate gradients live here and are released once consumed; leaves accumulate.
  // A gradient returned by a backward closure may be shared (add returns its input gradient
  // for both operands), so it is copied before anything is summed into it.
  const grads = new Map<Variable, { tensor: Tensor; owned: boolean }>();
  grads.set(output, { tensor: seed, owned: false });
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k]!;
    const entry = grads.get(v);
    if (entry === undefined) continue;
    const g = entry.tensor.reshape(v.shape);
    if (v.creator === null) {
      // A leaf's gradient outlives the step (a StoragePool run) that computes it.
      v.grad = v.grad === null ? unpooled(() => g.clone()) : addInto(v.grad, g);
      continue;
    }
    grads.delete(v);
    const inputGrads = v.creator.backward(g);
    const { inputs, name } = v.creator;
    if (inputGrads.length !== inputs.length) {
      throw new Error(
        `backward of ${name}: returned ${inputGrads.length} gradients for ${inputs.length} inputs`,
      );
    }
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!;
      const ig = inputGrads[i];
      if (!input.requiresGrad || ig === null || ig === undefined) continue;
      if (ig.size !== input.value.size) {
        throw new Error(
          `backward of ${name}: gradient ${i} has shape ${formatShape(ig.shape)}, input has ${formatShape(input.shape)}`,
        );
      }
      const prev = grads.get(input);
      if (prev === undefined) {
        grads.set(input, { tensor: ig, owned: false });
      } else {
        const target = prev.owned ? prev.tensor : prev.tensor.clone();
        grads.set(input, { tensor: addInto(target, ig), owned: true });
      }
    }
  }
}

function addInto(target: Tensor, g: Tensor): Tensor {
  kernels().addInto(target.data, g.data, target.data.length);
  return target;
}
