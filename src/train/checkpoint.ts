/**
 * Checkpoints as safetensors bytes (browser-safe: bytes in, bytes out).
 *
 * A graphattn checkpoint holds every parameter under its PyG state_dict name (conv1.att,
 * conv1.lin_l.weight, ...) in the parameter's dtype, and `__metadata__.graphattn`: a JSON
 * `CheckpointMetadata` with the resolved model config, so the file alone rebuilds the model.
 *
 * `deserializeCheckpoint` also reads two PyG layouts:
 * - a PyG-trained model as in graphattn's fixtures: tensors `param.conv1.*`, ... and
 *   `__metadata__.case`, a JSON object whose `architecture` is PyG's layer line (read with
 *   parsePyGArchitecture); `dataset` and `accuracy` are carried over when present;
 * - a plain PyG state_dict (conv1.lin_l.weight, ...) whose `__metadata__` gives the model,
 *   either as `architecture` (the PyG layer line) or `config` (JSON GATModelConfig).
 * In both, inChannels comes from conv1's weight [H·C, F] and numClasses from the last
 * layer's attention vector [1, H, C].
 */
import { parseSafetensors, serializeSafetensors, toTensor } from '../io/safetensors.js';
import type { ParsedSafetensors, SafeTensor } from '../io/safetensors.js';
import {
  GATModel,
  type GATModelConfig,
  type ResolvedGATModelConfig,
  resolveModelConfig,
} from '../nn/models/gat.js';
import { parsePyGArchitecture } from '../nn/models/pyg-architecture.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TrainConfig } from './recipes.js';

export const CHECKPOINT_FORMAT = 'graphattn-checkpoint-v1';
/** The `__metadata__` key holding the JSON CheckpointMetadata. */
export const CHECKPOINT_METADATA_KEY = 'graphattn';

export interface CheckpointMetadata {
  format: typeof CHECKPOINT_FORMAT;
  config: ResolvedGATModelConfig;
  dataset?: string;
  trainConfig?: TrainConfig;
  metrics?: Record<string, number>;
}

export interface CheckpointExtra {
  dataset?: string;
  trainConfig?: TrainConfig;
  metrics?: Record<string, number>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function serializeCheckpoint(model: GATModel, extra: CheckpointExtra = {}): Uint8Array {
  const metadata: CheckpointMetadata = { format: CHECKPOINT_FORMAT, config: { ...model.config } };
  if (extra.dataset !== undefined) metadata.dataset = extra.dataset;
  if (extra.trainConfig !== undefined) metadata.trainConfig = { ...extra.trainConfig };
  if (extra.metrics !== undefined) metadata.metrics = { ...extra.metrics };
  const tensors: Record<string, Tensor> = {};
  for (const [name, p] of model.namedParameters()) tensors[name] = p.value;
  return serializeSafetensors(tensors, { [CHECKPOINT_METADATA_KEY]: JSON.stringify(metadata) });
}

/**
 * Rebuilds a model from checkpoint bytes; `source` (a file name or URL) names the input in
 * every error. Throws CheckpointError for anything that is not one of the layouts above.
 */
export function deserializeCheckpoint(
  bytes: Uint8Array,
  source: string,
): { model: GATModel; metadata: CheckpointMetadata } {
  let parsed: ParsedSafetensors;
  try {
    parsed = parseSafetensors(bytes, source);
  } catch (e) {
    throw new CheckpointError(
      `${source}: not a readable safetensors checkpoint (${message(e)}); the file may be truncated or corrupt`,
      { cause: e },
    );
  }
  const { tensors, metadata } = parsed;
  const own = metadata[CHECKPOINT_METADATA_KEY];
  if (own !== undefined) return fromGraphattn(source, tensors, own);
  const caseJson = metadata.case;
  if (caseJson !== undefined) return fromPyGFixture(source, tensors, caseJson);
  if (metadata.architecture !== undefined || metadata.config !== undefined)
    return fromPyGStateDict(source, tensors, metadata);
  const keys = Object.keys(metadata);
  throw new CheckpointError(
    `${source}: expected __metadata__.${CHECKPOINT_METADATA_KEY} (a graphattn checkpoint), ` +
      `__metadata__.case with an architecture (a PyG model fixture) or __metadata__.architecture / ` +
      `__metadata__.config beside a PyG state_dict; found metadata keys [${keys.join(', ')}] and ` +
      `${tensors.size} tensors (${preview([...tensors.keys()])})`,
  );
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function preview(names: string[]): string {
  return names.length <= 6 ? names.join(', ') : `${names.slice(0, 6).join(', ')}, ...`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(source: string, key: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${source}: __metadata__.${key} is not valid JSON (${message(e)})`);
  }
  if (!isRecord(value))
    throw new CheckpointError(`${source}: __metadata__.${key} must be a JSON object`);
  return value;
}

/** Typed reads from a JSON object; each failure names the file and the field. */
class Fields {
  constructor(
    private readonly source: string,
    private readonly where: string,
    private readonly obj: Record<string, unknown>,
  ) {}

  private fail(key: string, expected: string): never {
    const found = JSON.stringify(this.obj[key]) ?? 'nothing';
    throw new CheckpointError(
      `${this.source}: ${this.where}.${key} must be ${expected}, found ${found}`,
    );
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  number(key: string): number {
    const v = this.obj[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(key, 'a finite number');
  }

  int(key: string): number {
    const v = this.number(key);
    return Number.isInteger(v) && v >= 1 ? v : this.fail(key, 'a positive integer');
  }

  boolean(key: string): boolean {
    const v = this.obj[key];
    return typeof v === 'boolean' ? v : this.fail(key, 'true or false');
  }

  oneOf<T extends string>(key: string, options: readonly T[]): T {
    const v = this.obj[key];
    const match = options.find((o) => o === v);
    return match ?? this.fail(key, `one of ${options.map((o) => `'${o}'`).join(', ')}`);
  }

  string(key: string): string {
    const v = this.obj[key];
    return typeof v === 'string' ? v : this.fail(key, 'a string');
  }
}

const VARIANTS = ['gat', 'gatv2'] as const;

function readModelConfig(
  source: string,
  where: string,
  obj: Record<string, unknown>,
): GATModelConfig {
  const f = new Fields(source, where, obj);
  const c: GATModelConfig = {
    variant: f.oneOf('variant', VARIANTS),
    inChannels: f.int('inChannels'),
    hiddenChannels: f.int('hiddenChannels'),
    outChannels: f.int('outChannels'),
  };
  if (f.has('numLayers')) c.numLayers = f.int('numLayers');
  if (f.has('heads')) c.heads = f.int('heads');
  if (f.has('outHeads')) c.outHeads = f.int('outHeads');
  if (f.has('dropout')) c.dropout = f.number('dropout');
  if (f.has('attentionDropout')) c.attentionDropout = f.number('attentionDropout');
  if (f.has('valueDropout')) c.valueDropout = f.number('valueDropout');
  if (f.has('negativeSlope')) c.negativeSlope = f.number('negativeSlope');
  if (f.has('shareWeights')) c.shareWeights = f.boolean('shareWeights');
  if (f.has('residual')) c.residual = f.boolean('residual');
  if (f.has('seed')) c.seed = f.number('seed');
  if (f.has('dtype')) c.dtype = f.oneOf('dtype', ['float32', 'float64'] as const);
  return c;
}

function readTrainConfig(source: string, obj: Record<string, unknown>): TrainConfig {
  const f = new Fields(source, 'trainConfig', obj);
  const t: TrainConfig = {
    model: f.oneOf('model', VARIANTS),
    hidden: f.int('hidden'),
    heads: f.int('heads'),
    outHeads: f.int('outHeads'),
    dropout: f.number('dropout'),
    attentionDropout: f.number('attentionDropout'),
    lr: f.number('lr'),
    weightDecay: f.number('weightDecay'),
    epochs: f.int('epochs'),
    patience: f.number('patience'),
    seed: f.number('seed'),
  };
  if (f.has('valueDropout')) t.valueDropout = f.number('valueDropout');
  if (f.has('earlyStopping')) t.earlyStopping = f.oneOf('earlyStopping', ['gat', 'pyg'] as const);
  return t;
}

/** Metric values; JSON turns NaN into null, which reads back as NaN. */
function readMetrics(source: string, obj: unknown): Record<string, number> {
  if (!isRecord(obj)) throw new CheckpointError(`${source}: metrics must be a JSON object`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'number') out[k] = v;
    else if (v === null) out[k] = NaN;
    else
      throw new CheckpointError(
        `${source}: metrics.${k} must be a number, found ${JSON.stringify(v)}`,
      );
  }
  return out;
}

function buildModel(
  source: string,
  config: GATModelConfig,
  tensors: ReadonlyMap<string, SafeTensor>,
  prefix: string,
): GATModel {
  let model: GATModel;
  try {
    resolveModelConfig(config);
    model = new GATModel(config);
  } catch (e) {
    throw new CheckpointError(`${source}: the model config is invalid (${message(e)})`, {
      cause: e,
    });
  }
  const state = new Map<string, Tensor>();
  for (const [name, t] of tensors) {
    if (!name.startsWith(prefix)) continue;
    try {
      state.set(name.slice(prefix.length), toTensor(t));
    } catch (e) {
      throw new CheckpointError(`${source}: parameter '${name}' cannot be read (${message(e)})`, {
        cause: e,
      });
    }
  }
  try {
    model.loadStateDict(state);
  } catch (e) {
    throw new CheckpointError(
      `${source}: the tensors do not match a ${config.variant} model with ${config.inChannels} ` +
        `input features and ${config.outChannels} classes (${message(e)})`,
      { cause: e },
    );
  }
  return model.eval();
}

function fromGraphattn(
  source: string,
  tensors: ReadonlyMap<string, SafeTensor>,
  json: string,
): { model: GATModel; metadata: CheckpointMetadata } {
  const raw = parseJson(source, CHECKPOINT_METADATA_KEY, json);
  if (raw.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${source}: expected format '${CHECKPOINT_FORMAT}', found ${JSON.stringify(raw.format) ?? 'none'}`,
    );
  }
  if (!isRecord(raw.config))
    throw new CheckpointError(`${source}: the checkpoint metadata has no config object`);
  const model = buildModel(source, readModelConfig(source, 'config', raw.config), tensors, '');
  const metadata: CheckpointMetadata = { format: CHECKPOINT_FORMAT, config: model.config };
  if (raw.dataset !== undefined)
    metadata.dataset = new Fields(source, 'metadata', raw).string('dataset');
  if (raw.trainConfig !== undefined) {
    if (!isRecord(raw.trainConfig))
      throw new CheckpointError(`${source}: trainConfig must be a JSON object`);
    metadata.trainConfig = readTrainConfig(source, raw.trainConfig);
  }
  if (raw.metrics !== undefined) metadata.metrics = readMetrics(source, raw.metrics);
  return { model, metadata };
}

/** inChannels and numClasses from PyG's weight shapes (names after any prefix). */
function inferSizes(
  source: string,
  tensors: ReadonlyMap<string, SafeTensor>,
  prefix: string,
): { inChannels: number; numClasses: number } {
  let last = 0;
  for (const name of tensors.keys()) {
    const m = new RegExp(`^${prefix.replace('.', '\\.')}conv(\\d+)\\.`).exec(name);
    if (m !== null) last = Math.max(last, Number(m[1]));
  }
  const find = (layer: number, names: string[], rank: number): SafeTensor => {
    for (const n of names) {
      const t = tensors.get(`${prefix}conv${layer}.${n}`);
      if (t !== undefined && t.shape.length === rank) return t;
    }
    throw new CheckpointError(
      `${source}: expected a tensor ${names.map((n) => `'${prefix}conv${layer}.${n}'`).join(' or ')} ` +
        `of rank ${rank} to infer the model's sizes; found tensors ${preview([...tensors.keys()])}`,
    );
  };
  if (last === 0) {
    throw new CheckpointError(
      `${source}: expected PyG parameters named '${prefix}conv1.*', found tensors ${preview([...tensors.keys()])}`,
    );
  }
  const weight = find(1, ['lin_l.weight', 'lin.weight', 'lin_src.weight'], 2); // [H·C, F]
  const att = find(last, ['att', 'att_src'], 3); // [1, H, C]
  return { inChannels: weight.shape[1]!, numClasses: att.shape[2]! };
}

function architectureConfig(
  source: string,
  architecture: string,
  sizes: { inChannels: number; numClasses: number },
): GATModelConfig {
  try {
    return parsePyGArchitecture(architecture, sizes);
  } catch (e) {
    throw new CheckpointError(`${source}: ${message(e)}`, { cause: e });
  }
}

function fromPyGFixture(
  source: string,
  tensors: ReadonlyMap<string, SafeTensor>,
  json: string,
): { model: GATModel; metadata: CheckpointMetadata } {
  const info = parseJson(source, 'case', json);
  const architecture = new Fields(source, '__metadata__.case', info).string('architecture');
  const config = architectureConfig(source, architecture, inferSizes(source, tensors, 'param.'));
  const model = buildModel(source, config, tensors, 'param.');
  const metadata: CheckpointMetadata = { format: CHECKPOINT_FORMAT, config: model.config };
  if (typeof info.dataset === 'string') metadata.dataset = info.dataset;
  if (isRecord(info.accuracy)) {
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(info.accuracy))
      if (typeof v === 'number') metrics[`${k}Acc`] = v;
    metadata.metrics = metrics;
  }
  return { model, metadata };
}

function fromPyGStateDict(
  source: string,
  tensors: ReadonlyMap<string, SafeTensor>,
  meta: Record<string, string>,
): { model: GATModel; metadata: CheckpointMetadata } {
  let config: GATModelConfig;
  if (meta.config !== undefined) {
    config = readModelConfig(
      source,
      '__metadata__.config',
      parseJson(source, 'config', meta.config),
    );
  } else {
    config = architectureConfig(source, meta.architecture ?? '', inferSizes(source, tensors, ''));
  }
  const model = buildModel(source, config, tensors, '');
  const metadata: CheckpointMetadata = { format: CHECKPOINT_FORMAT, config: model.config };
  if (meta.dataset !== undefined) metadata.dataset = meta.dataset;
  return { model, metadata };
}
