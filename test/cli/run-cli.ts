/**
 * Runs the CLI as a child process, as a user would: `node --import tsx src/cli/main.ts …`
 * from the repository root, with GRAPHATTN_DATA at the offline Planetoid mirror and
 * downloads pointed at a closed 127.0.0.1 port, so no test can reach the network.
 *
 * `runInProcess` runs the same code (cli.ts's runCli) inside the test worker with the same
 * environment and captured streams: the many small error and output checks use it, since a
 * child process costs about half a second of start-up each.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCli as runCliInProcess } from '../../src/cli/cli.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PLANETOID_DIR = fileURLToPath(
  new URL('../../../shared/datasets/planetoid/', import.meta.url),
);
export const MODEL_FIXTURES = fileURLToPath(
  new URL('../../../shared/fixtures/models/', import.meta.url),
);

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A URL on 127.0.0.1 where nothing listens: a port the OS just gave out and took back. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

let offlineUrl: Promise<string> | null = null;

async function testEnv(
  env: Readonly<Record<string, string>>,
): Promise<Record<string, string | undefined>> {
  offlineUrl ??= closedPortUrl();
  return {
    ...process.env,
    GRAPHATTN_DATA: PLANETOID_DIR,
    GRAPHATTN_DATA_URL: await offlineUrl,
    GRAPHATTN_DEBUG: undefined,
    ...env,
  };
}

export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  const baseEnv = await testEnv(env);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: ROOT, env: baseEnv, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The CLI in this process, with stdout and stderr captured (not terminals). */
export async function runInProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCliInProcess(args, {
    env: await testEnv(env),
    stdout: { write: (t) => void (stdout += t), isTTY: false },
    stderr: { write: (t) => void (stderr += t), isTTY: false },
  });
  return { code, stdout, stderr };
}

/** The parsed JSON object a `--json` run printed on stdout. */
export function jsonOf(result: CliResult): Record<string, unknown> {
  const value: unknown = JSON.parse(result.stdout);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object on stdout, found ${result.stdout}`);
  }
  return Object.fromEntries(Object.entries(value));
}

/** Numeric field of a JSON object, or a failing assertion. */
export function numberField(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`expected a number in "${key}", found ${String(v)}`);
  return v;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'graphattn-cli-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A user error: exit 2 and exactly one line on stderr, no stack trace. */
export function expectOneLineError(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  if (result.code !== 2 || lines.length !== 1 || /^\s+at /m.test(result.stderr)) {
    throw new Error(
      `expected exit 2 with one line on stderr, found exit ${result.code} and stderr:\n${result.stderr}`,
    );
  }
  return lines[0]!;
}
