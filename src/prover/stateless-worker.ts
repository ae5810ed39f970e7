/**
 * The execution worker of the reference prover (a `worker_threads` thread started by `stateless-pool.ts`): runs
 * `executeStateless` for one request at a time, off the thread that serves RPC, and answers with the new root,
 * the witness error (its field and message) or the failure's message.
 */
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../errors/index.ts';
import { executeStateless, WitnessError } from '../execution/index.ts';
import type { StatelessReply, StatelessRequest } from './stateless-pool.ts';

const port = parentPort;
if (!port) throw new Error('stateless-worker.ts runs only as a worker thread');

async function run(req: StatelessRequest): Promise<StatelessReply> {
  try {
    const { newStateRoot, l2Blocks } = await executeStateless(req);
    return { kind: 'ok', newStateRoot, l2Blocks };
  } catch (err) {
    if (err instanceof WitnessError) return { kind: 'witness', field: err.field, message: err.shortMessage };
    return { kind: 'error', message: messageOf(err) };
  }
}

port.on('message', (req: StatelessRequest) => {
  void run(req).then((reply) => port.postMessage(reply));
});
port.postMessage({ kind: 'ready' } satisfies StatelessReply);
