/**
 * How the CLI turns a thrown error into one line on stderr and an exit code:
 *
 *   0  success
 *   1  an internal error (a bug in graphattn): the message, and the stack with GRAPHATTN_DEBUG=1
 *   2  a user error: a bad flag or value, a missing or malformed file, an unknown dataset,
 *      a checkpoint that cannot be read or does not fit the dataset
 *
 * User errors are recognised by class (UsageError here, the data layer's DataError family,
 * CheckpointError, a TrainConfigError about the user's data, state-dict and architecture
 * errors of a checkpoint), by an `exitCode` of 2 on the error, or by a file-system code
 * such as ENOENT.
 */
import { DataError } from '../data/errors.js';
import { ArchitectureError } from '../nn/models/pyg-architecture.js';
import { StateDictError } from '../nn/module.js';
import { CheckpointError } from '../train/checkpoint.js';
import { TrainConfigError } from '../train/node-classification.js';

/** A problem with the command line itself or with what it asks for. Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;

/** File-system error codes that mean "the path the user gave is wrong", not a bug. */
const USER_FS_CODES = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'EROFS',
  'ENOSPC',
]);

function hasExitCode2(e: Error): boolean {
  return 'exitCode' in e && e.exitCode === EXIT_USAGE;
}

function fsCode(e: Error): string | null {
  return 'code' in e && typeof e.code === 'string' && USER_FS_CODES.has(e.code) ? e.code : null;
}

export function isUserError(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  return (
    e instanceof UsageError ||
    e instanceof DataError ||
    e instanceof CheckpointError ||
    e instanceof TrainConfigError ||
    e instanceof StateDictError ||
    e instanceof ArchitectureError ||
    hasExitCode2(e) ||
    fsCode(e) !== null ||
    (e.cause instanceof Error && fsCode(e.cause) !== null)
  );
}

/** The error as one line: newlines folded, so the message never spills over several lines. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

export interface ErrorReport {
  readonly exitCode: number;
  /** What goes to stderr, without the trailing newline. */
  readonly text: string;
}

/** `graphattn train: <message>` for user errors; internal errors say so and may add the stack. */
export function reportError(prefix: string, e: unknown, debug: boolean): ErrorReport {
  const message = e instanceof Error ? e.message : String(e);
  if (isUserError(e)) {
    return { exitCode: EXIT_USAGE, text: `${prefix}: ${oneLine(message)}` };
  }
  const stack = debug && e instanceof Error && e.stack !== undefined ? `\n${e.stack}` : '';
  return {
    exitCode: EXIT_INTERNAL,
    text:
      `${prefix}: internal error: ${oneLine(message)} ` +
      `(this is a bug in graphattn; rerun with GRAPHATTN_DEBUG=1 for the stack trace)${stack}`,
  };
}
