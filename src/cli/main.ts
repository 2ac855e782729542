#!/usr/bin/env node
/** The `graphattn` executable: runs the CLI (cli.ts) on this process's arguments and streams. */
import type { TextSink } from './command.js';
import { runCli } from './cli.js';
import { EXIT_OK } from './errors.js';

function sink(stream: NodeJS.WriteStream): TextSink {
  return {
    write: (text) => {
      stream.write(text);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.columns;
    },
  };
}

// `graphattn … | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT_OK);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: sink(process.stdout),
  stderr: sink(process.stderr),
});
