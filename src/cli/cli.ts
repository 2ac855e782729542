/**
 * The `graphattn` command line without the process around it: dispatches to the commands in
 * ./commands, prints `graphattn --help` and `--version`, and turns every thrown error into
 * one line on stderr with exit code 2 (user error) or 1 (internal error); see errors.ts.
 * main.ts runs it on the real process; tests may run it in-process with their own sinks.
 */
import { readFileSync } from 'node:fs';

import { type CliContext, type Command, wrap } from './command.js';
import { dictlookupCommand } from './commands/dictlookup.js';
import { evalCommand } from './commands/eval.js';
import { explainCommand } from './commands/explain.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import { EXIT_OK, EXIT_USAGE, UsageError, reportError } from './errors.js';
import { takeKernelFlag, useKernels } from './kernels.js';

export const COMMANDS: readonly Command[] = [
  trainCommand,
  evalCommand,
  predictCommand,
  explainCommand,
  dictlookupCommand,
];

/** The version in package.json (two folders up from src/cli and from dist/cli). */
export function version(): string {
  let text: string;
  try {
    text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  } catch {
    return 'unknown';
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed) {
    return String(parsed.version);
  }
  return 'unknown';
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  const lines = [
    'Usage: graphattn <command> [options]',
    '',
    'Graph attention networks (GATv2 and GAT): train, evaluate and inspect node classifiers.',
    '',
    'Commands:',
    ...COMMANDS.map(
      (c) => `  ${c.name.padEnd(width)}${wrap(c.summary, width + 2, 78 - width).join('\n')}`,
    ),
    '',
    'Options:',
    '  -h, --help     Show this help; `graphattn <command> --help` shows a command’s.',
    '  -v, --version  Print the version.',
    '  --kernels <k>  wasm (WebAssembly SIMD with fused multiply-add where the engine has',
    '                 it; the default, reference if it cannot load), wasm-simd (plain SIMD:',
    '                 the same floats on every machine) or reference (plain TypeScript).',
    '',
    'Exit status: 0 success, 1 internal error (a bug), 2 bad usage or data.',
    'Environment: GRAPHATTN_DATA (Planetoid data folder), XDG_CACHE_HOME (cache),',
    '  GRAPHATTN_DATA_URL (where missing Planetoid files are downloaded from),',
    '  GRAPHATTN_DEBUG=1 (stack traces for internal errors).',
    '',
  ];
  return lines.join('\n');
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
export async function runCli(
  argv: readonly string[],
  ctx: Omit<CliContext, 'prefix'>,
): Promise<number> {
  const [first, ...rest] = argv;
  let prefix = 'graphattn';
  try {
    if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
      const topic = first === 'help' ? rest[0] : undefined;
      const command = COMMANDS.find((c) => c.name === topic);
      if (topic !== undefined && command === undefined) {
        throw new UsageError(`unknown command '${topic}' (see graphattn --help)`);
      }
      ctx.stdout.write(command === undefined ? mainHelp() : command.help());
      return first === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (first === '-v' || first === '--version') {
      ctx.stdout.write(`${version()}\n`);
      return EXIT_OK;
    }
    const command = COMMANDS.find((c) => c.name === first);
    if (command === undefined) {
      const what = first.startsWith('-') ? 'flag' : 'command';
      throw new UsageError(
        `unknown ${what} '${first}': expected one of ${COMMANDS.map((c) => c.name).join(', ')} (see graphattn --help)`,
      );
    }
    prefix = `graphattn ${command.name}`;
    const { argv: commandArgs, choice } = takeKernelFlag(rest);
    await useKernels(choice);
    await command.execute(commandArgs, { ...ctx, prefix });
    return EXIT_OK;
  } catch (e) {
    const report = reportError(prefix, e, ctx.env.GRAPHATTN_DEBUG === '1');
    ctx.stderr.write(`${report.text}\n`);
    return report.exitCode;
  }
}
