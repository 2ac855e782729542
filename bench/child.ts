/**
 * Runs one benchmark case script in a fresh Node process, so its peak memory and JIT state are
 * its own, and returns the last line of its stdout parsed as JSON (stderr passes through).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `file` is relative to bench/; `spec` is passed as the script's one argument, as JSON. */
export function runCaseScript(
  file: string,
  spec: unknown,
  nodeArgs: readonly string[] = ['--max-old-space-size=16384'],
): unknown {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', ...nodeArgs, '--import', 'tsx', script, JSON.stringify(spec)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line === '' ? '{}' : line) as unknown;
}
