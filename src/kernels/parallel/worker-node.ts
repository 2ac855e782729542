/**
 * The worker thread of the parallel kernels (Node): loads its own kernel table (its own
 * WebAssembly instance and memory), then runs the tasks the main thread posts and reports
 * each through the shared control block (protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Kernels } from '../kernels.js';
import { referenceKernels } from '../reference/index.js';
import { loadWasmKernels } from '../wasm/index.js';
import {
  BALLAST_MIN_BYTES,
  isTaskMessage,
  PrivateBuffers,
  type ReadyMessage,
  reportDone,
  runTask,
  SharedBallast,
  type WorkerSetup,
} from './protocol.js';

function isWorkerSetup(data: unknown): data is WorkerSetup {
  return (
    typeof data === 'object' &&
    data !== null &&
    'control' in data &&
    data.control instanceof SharedArrayBuffer
  );
}

async function load(setup: WorkerSetup): Promise<Kernels> {
  if (setup.kernels === 'reference') return referenceKernels;
  return loadWasmKernels(
    setup.chunkBytes === null
      ? { simd: setup.simd }
      : { chunkBytes: setup.chunkBytes, simd: setup.simd },
  );
}

const port = parentPort;
if (port === null || !isWorkerSetup(workerData)) {
  throw new Error('graphattn parallel kernels: worker-node is a worker thread entry');
}
const setup = workerData;

try {
  const kernels = await load(setup);
  const ballast = new SharedBallast(BALLAST_MIN_BYTES);
  const buffers = new PrivateBuffers(kernels.poolStorage ?? null);
  port.on('message', (message: unknown) => {
    if (!isTaskMessage(message)) return;
    let error: string | null = null;
    try {
      ballast.hold(message);
      for (const z of message.zero) z.fill(0);
      runTask(kernels, message.task, buffers);
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    reportDone(setup.control, message.seq, error);
  });
  const ready: ReadyMessage = { ready: true, error: null };
  port.postMessage(ready);
} catch (e) {
  const ready: ReadyMessage = { ready: true, error: e instanceof Error ? e.message : String(e) };
  port.postMessage(ready);
}
