/**
 * How much of two cores this process gets at the moment: a busy loop on a worker
 * thread alone, then two such loops at once. Each of the two counts the share of a core it got
 * (its time alone over its time beside the other), and the shares add up: about 2 with two
 * free cores, less when the host grants this machine less than its second core (a virtual
 * machine beside other work). The 2-thread figures of the scale case move with it, so the
 * bench records it before and after them.
 */
import { Worker } from 'node:worker_threads';

// CommonJS (an eval'd worker): xor and add, which no engine folds away.
const LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const t = performance.now();
let x = 0;
for (let i = 0; i < workerData; i++) { x = (x + i) | 0; x = (x ^ i) | 0; }
parentPort.postMessage([performance.now() - t, x]);
`;

/** Milliseconds one worker takes for `iterations` of the loop. */
function loopMs(iterations: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOOP, { eval: true, workerData: iterations });
    worker.once('message', (message: [number, number]) => {
      resolve(message[0]);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/**
 * The cores two threads got: each loop's share of a core is its time alone over its time beside
 * the other, and the shares add up. Rounded to two decimals. Timings that are not positive and
 * finite give NaN rather than a figure.
 */
export function coreShares(aloneMs: number, pairMs: readonly [number, number]): number {
  const times = [aloneMs, ...pairMs];
  if (!times.every((t) => Number.isFinite(t) && t > 0)) return Number.NaN;
  return Math.round((aloneMs / pairMs[0] + aloneMs / pairMs[1]) * 100) / 100;
}

/**
 * Cores available to two threads now, from 0 to about 2 (two decimals). `loop` runs the busy
 * loop for the given iterations and resolves to its milliseconds; tests pass their own.
 */
export async function coresAvailable(
  iterations = 300_000_000,
  loop: (iterations: number) => Promise<number> = loopMs,
): Promise<number> {
  await loop(iterations / 10); // the worker startup and compiler paths, warmed once
  const alone = await loop(iterations);
  const [a, b] = await Promise.all([loop(iterations), loop(iterations)]);
  return coreShares(alone, [a, b]);
}
