/**
 * Command-line flags: each command declares its flags once (type, placeholder, default,
 * help), and that table drives node:util parseArgs (strict), the typed accessors the command
 * reads its values through, and the Options section of its --help.
 *
 * Every problem becomes a UsageError whose message is one line naming the flag, what it
 * must be and what was found: `--lr must be a positive number, found 'abc'`.
 */
import { parseArgs } from 'node:util';

import { UsageError } from './errors.js';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** One-letter alias, e.g. 'h' for --help. */
  readonly short?: string;
  /** Placeholder for the value in --help, e.g. 'N' or 'PATH'. */
  readonly value?: string;
  /** The default as shown in --help (the command applies it). */
  readonly default?: string;
  readonly help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Names of the flags of one type. */
export type FlagsOfType<S extends FlagSpecs, T extends FlagSpec['type']> = {
  [K in keyof S]: S[K]['type'] extends T ? K : never;
}[keyof S] &
  string;

/**
 * The parsed command line, read through typed accessors: a misspelt or mistyped flag name
 * does not compile. (A reader is invariant in S, so shared helpers take plain values that
 * the command reads out, not the reader.)
 */
export interface FlagReader<S extends FlagSpecs> {
  string(name: FlagsOfType<S, 'string'>): string | undefined;
  boolean(name: FlagsOfType<S, 'boolean'>): boolean;
  /** Whether the flag was on the command line. */
  has(name: keyof S & string): boolean;
}

export class ParsedFlags<S extends FlagSpecs> implements FlagReader<S> {
  constructor(
    private readonly values: Readonly<Record<string, string | boolean | undefined>>,
    /** The flags in the order the user gave them (for messages). */
    readonly given: ReadonlySet<string>,
  ) {}

  string(name: FlagsOfType<S, 'string'>): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  boolean(name: FlagsOfType<S, 'boolean'>): boolean {
    return this.values[name] === true;
  }

  has(name: keyof S & string): boolean {
    return this.given.has(name);
  }
}

/** The help flag every command accepts. */
export const HELP_FLAG = {
  help: { type: 'boolean', short: 'h', help: 'Show this help and exit.' },
} as const satisfies FlagSpecs;

/**
 * Parses `argv` strictly against `specs`: unknown flags, missing values, values given to
 * boolean flags, repeated flags and positional arguments are UsageErrors.
 */
export function parseFlags<S extends FlagSpecs>(
  specs: S,
  argv: readonly string[],
  helpHint: string,
): ParsedFlags<S> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] =
      spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  const args = joinNegativeValues(argv, specs);
  const parse = () =>
    parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    throw new UsageError(`${describeParseError(e, Object.keys(specs))} (see ${helpHint})`);
  }
  const given = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (given.has(token.name)) {
      throw new UsageError(`${token.rawName} is given more than once (see ${helpHint})`);
    }
    given.add(token.name);
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string' || typeof value === 'boolean') values[name] = value;
  }
  return new ParsedFlags<S>(values, given);
}

/**
 * parseArgs reads `--seed -1` as two flags; join a negative number to the value flag before
 * it (`--seed=-1`) so the value check can say what is wrong with it.
 */
function joinNegativeValues(argv: readonly string[], specs: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const spec = arg.startsWith('--') ? specs[arg.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function errorCode(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** Node's parseArgs messages, rewritten as one short line (with a "did you mean"). */
function describeParseError(e: unknown, known: readonly string[]): string {
  const message = e instanceof Error ? e.message : String(e);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  switch (errorCode(e)) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const flag = quoted.split('=')[0] ?? quoted;
      const guess = closest(flag.replace(/^-+/, ''), known);
      return `unknown flag '${flag}'${guess === null ? '' : `; did you mean --${guess}?`}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.split(' ')[0] ?? quoted;
      return message.includes('does not take an argument')
        ? `${flag} takes no value`
        : `${flag} needs a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}': every value follows a flag, e.g. --dataset cora`;
    default:
      return message.split('\n')[0] ?? message;
  }
}

/** The known name within edit distance 2 of `name`, if any. */
function closest(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ---- values -------------------------------------------------------------------------------

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const INTEGER = /^\d+$/;

function invalid(flag: string, what: string, raw: string): UsageError {
  return new UsageError(`--${flag} must be ${what}, found '${raw}'`);
}

function parseDecimal(flag: string, raw: string, what: string): number {
  const x = Number(raw);
  if (!DECIMAL.test(raw.trim()) || !Number.isFinite(x)) throw invalid(flag, what, raw);
  return x;
}

/** A finite number > 0 (learning rate). */
export function positiveNumber(flag: string, raw: string): number {
  const what = 'a positive number';
  const x = parseDecimal(flag, raw, what);
  if (!(x > 0)) throw invalid(flag, what, raw);
  return x;
}

/** A finite number ≥ 0 (weight decay). */
export function nonNegativeNumber(flag: string, raw: string): number {
  const what = 'a number ≥ 0';
  const x = parseDecimal(flag, raw, what);
  if (!(x >= 0)) throw invalid(flag, what, raw);
  return x;
}

/** A probability in [0, 1) (dropout rates). */
export function dropoutRate(flag: string, raw: string): number {
  const what = 'a number in [0, 1)';
  const x = parseDecimal(flag, raw, what);
  if (!(x >= 0 && x < 1)) throw invalid(flag, what, raw);
  return x;
}

/** An integer ≥ 1 (heads, epochs, runs). */
export function positiveInt(flag: string, raw: string): number {
  const what = 'a positive integer';
  if (!INTEGER.test(raw.trim())) throw invalid(flag, what, raw);
  const x = Number(raw);
  if (!(x >= 1 && Number.isSafeInteger(x))) throw invalid(flag, what, raw);
  return x;
}

/** An integer ≥ 0 (patience: 0 turns early stopping off). */
export function nonNegativeInt(flag: string, raw: string): number {
  const what = 'an integer ≥ 0';
  if (!INTEGER.test(raw.trim())) throw invalid(flag, what, raw);
  const x = Number(raw);
  if (!Number.isSafeInteger(x)) throw invalid(flag, what, raw);
  return x;
}

/** A seed: an integer in [0, 2³²). */
export function seedValue(flag: string, raw: string): number {
  const what = 'an integer in [0, 4294967295]';
  if (!INTEGER.test(raw.trim())) throw invalid(flag, what, raw);
  const x = Number(raw);
  if (!(x <= 0xffffffff)) throw invalid(flag, what, raw);
  return x;
}

/** One of a fixed set of words (case-insensitive); returns the canonical spelling. */
export function choice<const T extends string>(
  flag: string,
  raw: string,
  choices: readonly T[],
): T {
  const found = choices.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
  if (found === undefined) {
    throw invalid(flag, `one of ${choices.join(', ')}`, raw);
  }
  return found;
}

/** A comma-separated list of non-empty items ("3,17, 42"). */
export function commaList(flag: string, raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) {
    throw invalid(flag, 'a comma-separated list such as 3,17,42', raw);
  }
  return items;
}

/** Applies `parse` to the flag's value when given. */
export function optional<T>(
  flag: string,
  raw: string | undefined,
  parse: (flag: string, raw: string) => T,
): T | undefined {
  return raw === undefined ? undefined : parse(flag, raw);
}
