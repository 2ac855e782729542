/**
 * What a command is: its flags (args.ts), its help text, and `run`. `defineCommand` checks
 * the flag table against `run` at compile time and hides it behind a uniform `execute`, so
 * main.ts can keep commands of different flag types in one list.
 */
import { type FlagReader, type FlagSpec, type FlagSpecs, HELP_FLAG, parseFlags } from './args.js';

/** Where a command writes, and what it may read from its environment. */
export interface CliContext {
  /** "graphattn train": the prefix of every message on stderr. */
  readonly prefix: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Results: text, tables, JSON. */
  readonly stdout: TextSink;
  /** Progress, notices, errors. */
  readonly stderr: TextSink;
}

export interface TextSink {
  write(text: string): void;
  /** A terminal (progress bars redraw in place) rather than a pipe or file. */
  readonly isTTY: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

/** One line on stdout. */
export function printLine(ctx: CliContext, line = ''): void {
  ctx.stdout.write(`${line}\n`);
}

/** One line on stderr, prefixed with the command: `graphattn train: ...`. */
export function notice(ctx: CliContext, line: string): void {
  ctx.stderr.write(`${ctx.prefix}: ${line}\n`);
}

export interface CommandSpec<S extends FlagSpecs> {
  readonly name: string;
  /** One line for `graphattn --help`. */
  readonly summary: string;
  /** Usage line after "graphattn NAME". */
  readonly usage: string;
  /** Paragraphs shown between the usage and the options. */
  readonly description: readonly string[];
  readonly flags: S;
  readonly examples: readonly string[];
  run(flags: FlagReader<S>, ctx: CliContext): Promise<void> | void;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  help(): string;
  /** Parses `argv` (the arguments after the command name) and runs the command. */
  execute(argv: readonly string[], ctx: CliContext): Promise<void>;
}

export function defineCommand<S extends FlagSpecs>(spec: CommandSpec<S>): Command {
  const flags = { ...spec.flags, ...HELP_FLAG };
  const help = (): string => renderHelp(spec);
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async execute(argv, ctx) {
      const parsed = parseFlags(flags, argv, `graphattn ${spec.name} --help`);
      if (parsed.has('help')) {
        ctx.stdout.write(help());
        return;
      }
      await spec.run(parsed, ctx);
    },
  };
}

const WIDTH = 80;

/** Word-wraps `text` to WIDTH columns, every line after the first indented by `indent`. */
export function wrap(text: string, indent: number, firstWidth = WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  let width = firstWidth;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
      width = WIDTH - indent;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

function renderHelp<S extends FlagSpecs>(spec: CommandSpec<S>): string {
  const out: string[] = [`Usage: graphattn ${spec.name} ${spec.usage}`, ''];
  for (const paragraph of spec.description) out.push(...wrap(paragraph, 0), '');
  out.push('Options:');
  const all: Readonly<Record<string, FlagSpec>> = { ...spec.flags, ...HELP_FLAG };
  const entries = Object.entries(all).map(([name, f]) => {
    const short = f.short === undefined ? '    ' : `-${f.short}, `;
    const value = f.value === undefined ? '' : ` ${f.value}`;
    const help = f.default === undefined ? f.help : `${f.help} Default: ${f.default}.`;
    return { left: `  ${short}--${name}${value}`, help };
  });
  const column = Math.min(30, Math.max(...entries.map((e) => e.left.length)) + 2);
  for (const { left, help } of entries) {
    if (left.length + 2 > column) {
      out.push(left);
      out.push(' '.repeat(column) + wrap(help, column, WIDTH - column).join('\n'));
    } else {
      out.push(left.padEnd(column) + wrap(help, column, WIDTH - column).join('\n'));
    }
  }
  if (spec.examples.length > 0) {
    out.push('', 'Examples:');
    for (const example of spec.examples) out.push(`  ${example}`);
  }
  out.push('', 'Exit status: 0 success, 1 internal error (a bug), 2 bad usage or data.');
  return `${out.join('\n')}\n`;
}
