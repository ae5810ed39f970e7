/**
 * A thread of the call pool (`call-pool.ts`): its own connection to the state database, trie store and executor,
 * on which it runs the calls it is sent — several at once, each answered by its id. The EVM does not yield while it
 * runs, so a long call holds this thread, never the node's.
 */
import { parentPort } from 'node:worker_threads';
import { createPgPool } from '../../db/index.ts';
import {
  type CallInput,
  createExecutor,
  createTrieStore,
  type Executor,
  UnknownStateRootError,
} from '../../execution/index.ts';
import type { CallWorkerReply, CallWorkerRequest } from './call-pool.ts';

const port = parentPort;
if (!port) throw new Error('call-worker.ts runs as a worker thread');

let state: Promise<{ executor: Executor; close(): Promise<void> }> | undefined;

async function open(dbUrl: string, chainId: bigint) {
  const pool = createPgPool(dbUrl, { applicationName: 'lev-calls' });
  const store = await createTrieStore({ pool });
  const executor = await createExecutor({ store, chainId });
  return { executor, close: () => pool.end() };
}

async function call(id: number, input: CallInput): Promise<void> {
  let reply: CallWorkerReply;
  try {
    if (!state) throw new Error('the call worker was not initialised');
    const result = await (await state).executor.call(input);
    reply = { kind: 'result', id, result };
  } catch (err) {
    reply = {
      kind: 'error',
      id,
      error:
        err instanceof UnknownStateRootError
          ? { unknownRoot: err.stateRoot, message: err.message }
          : { message: err instanceof Error ? err.message : String(err) },
    };
  }
  port!.postMessage(reply);
}

port.on('message', (m: CallWorkerRequest) => {
  switch (m.kind) {
    case 'init':
      state = open(m.dbUrl, m.chainId);
      state.then(
        () => port.postMessage({ kind: 'ready' } satisfies CallWorkerReply),
        (err: unknown) =>
          port.postMessage({
            kind: 'failed',
            message: err instanceof Error ? err.message : String(err),
          } satisfies CallWorkerReply),
      );
      return;
    case 'call':
      void call(m.id, m.input);
      return;
    case 'close':
      void (async () => {
        try {
          await (await state)?.close();
        } finally {
          port.close();
        }
      })();
      return;
  }
});
