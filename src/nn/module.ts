/**
 * Modules own parameters under PyTorch Geometric's state_dict names (`lin_l.weight`,
 * `conv1.att`, ...), so weights move between graphattn and PyG by name.
 */
import { type Variable, parameter } from '../autograd/variable.js';
import { Tensor, formatShape } from '../tensor/tensor.js';

export class StateDictError extends Error {
  override name = 'StateDictError';
}

export abstract class Module {
  /** Training mode turns dropout on. */
  training = true;
  private readonly ownParameters = new Map<string, Variable>();
  private readonly children = new Map<string, Module>();

  protected registerParameter(name: string, value: Tensor): Variable {
    const p = parameter(value);
    this.ownParameters.set(name, p);
    return p;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** Parameters with their dotted names, in registration order. */
  namedParameters(prefix = ''): [string, Variable][] {
    const out: [string, Variable][] = [];
    for (const [name, p] of this.ownParameters) out.push([prefix + name, p]);
    for (const [name, child] of this.children)
      out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Sets training mode here and in every child. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Copies of the parameters by name. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters().map(([name, p]) => [name, p.value.clone()]));
  }

  /**
   * Loads parameters by name (values are converted to each parameter's dtype). Strict: a
   * missing or unexpected name, or a shape mismatch, throws naming them all.
   */
  loadStateDict(
    state: ReadonlyMap<string, Tensor>,
    { strict = true }: { strict?: boolean } = {},
  ): void {
    const named = this.namedParameters();
    const problems: string[] = [];
    for (const [name, p] of named) {
      const t = state.get(name);
      if (t === undefined) {
        if (strict) problems.push(`missing '${name}' (expected shape ${formatShape(p.shape)})`);
        continue;
      }
      if (
        t.size !== p.value.size ||
        t.shape.length !== p.shape.length ||
        t.shape.some((d, i) => d !== p.shape[i])
      ) {
        problems.push(
          `'${name}' has shape ${formatShape(t.shape)}, expected ${formatShape(p.shape)}`,
        );
      }
    }
    if (strict) {
      const known = new Set(named.map(([n]) => n));
      for (const name of state.keys()) if (!known.has(name)) problems.push(`unexpected '${name}'`);
    }
    if (problems.length > 0) throw new StateDictError(`loadStateDict: ${problems.join('; ')}`);
    for (const [name, p] of named) {
      const t = state.get(name);
      if (t !== undefined) p.value.data.set(t.data);
    }
  }
}
