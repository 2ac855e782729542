/**
 * Reads the architecture line of a PyG-trained model, such as
 *   "dropout(0.6) -> GATConv(F, 8, heads=8, dropout=0.6) -> ELU -> dropout(0.6)
 *    -> GATConv(64, classes, heads=1, concat=False, dropout=0.6)"
 * into a GATModelConfig. Anything the GATModel stack cannot express is an error.
 */
import type { GATModelConfig } from './gat.js';

export class ArchitectureError extends Error {
  override name = 'ArchitectureError';
}

interface ConvSpec {
  variant: 'gat' | 'gatv2';
  inArg: string;
  outArg: string;
  kwargs: Map<string, string>;
}

function parseConv(token: string): ConvSpec | null {
  const m = /^(GATConv|GATv2Conv)\((.*)\)$/.exec(token);
  if (m === null) return null;
  const args = m[2]!.split(',').map((s) => s.trim());
  const positional = args.filter((a) => !a.includes('='));
  if (positional.length !== 2)
    throw new ArchitectureError(`expected 2 positional arguments in '${token}'`);
  const kwargs = new Map<string, string>();
  for (const a of args.filter((a) => a.includes('='))) {
    const [k, v] = a.split('=').map((s) => s.trim());
    kwargs.set(k!, v!);
  }
  return {
    variant: m[1] === 'GATv2Conv' ? 'gatv2' : 'gat',
    inArg: positional[0]!,
    outArg: positional[1]!,
    kwargs,
  };
}

function parseDropout(token: string): number | null {
  const m = /^dropout\(([0-9.]+)\)$/.exec(token);
  return m === null ? null : Number(m[1]);
}

const SUPPORTED_KWARGS = new Set(['heads', 'concat', 'dropout', 'negative_slope']);

export function parsePyGArchitecture(
  architecture: string,
  sizes: { inChannels: number; numClasses: number },
): GATModelConfig {
  const fail = (why: string): never => {
    throw new ArchitectureError(`architecture '${architecture}': ${why}`);
  };
  const tokens = architecture.split('->').map((t) => t.trim());
  const convs: ConvSpec[] = [];
  let featureDropout: number | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const p = parseDropout(t);
    if (p !== null) {
      if (featureDropout !== null && featureDropout !== p)
        fail('feature dropout differs between layers');
      featureDropout = p;
      continue;
    }
    const conv = parseConv(t);
    if (conv !== null) {
      if (tokens[i - 1] === undefined || parseDropout(tokens[i - 1]!) === null)
        fail(`expected dropout(p) before '${t}'`);
      convs.push(conv);
      continue;
    }
    if (t === 'ELU') {
      if (parseConv(tokens[i - 1] ?? '') === null) fail('ELU must follow a convolution');
      continue;
    }
    fail(`unsupported step '${t}'`);
  }
  if (convs.length === 0) fail('no GATConv or GATv2Conv');
  const variant = convs[0]!.variant;
  if (convs.some((c) => c.variant !== variant)) fail('mixes GATConv and GATv2Conv');
  for (const c of convs)
    for (const k of c.kwargs.keys()) if (!SUPPORTED_KWARGS.has(k)) fail(`unsupported option ${k}`);
  const last = convs[convs.length - 1]!;
  const hidden = convs.slice(0, -1);
  if (last.kwargs.get('concat') !== 'False') fail('the output layer must have concat=False');
  if (hidden.some((c) => c.kwargs.get('concat') === 'False'))
    fail('hidden layers must concatenate heads');
  const heads = Number(hidden[0]?.kwargs.get('heads') ?? '1');
  if (hidden.some((c) => Number(c.kwargs.get('heads') ?? '1') !== heads))
    fail('hidden layers have different heads');
  const hiddenChannels = Number(hidden[0]?.outArg ?? '1');
  const attentionDropouts = new Set(convs.map((c) => Number(c.kwargs.get('dropout') ?? '0')));
  if (attentionDropouts.size !== 1) fail('attention dropout differs between layers');
  const slopes = new Set(convs.map((c) => Number(c.kwargs.get('negative_slope') ?? '0.2')));
  if (slopes.size !== 1) fail('negative_slope differs between layers');
  return {
    variant,
    inChannels: sizes.inChannels,
    hiddenChannels,
    outChannels: sizes.numClasses,
    numLayers: convs.length,
    heads,
    outHeads: Number(last.kwargs.get('heads') ?? '1'),
    dropout: featureDropout ?? 0,
    attentionDropout: [...attentionDropouts][0]!,
    negativeSlope: [...slopes][0]!,
  };
}
