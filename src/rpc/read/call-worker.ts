/**
 * A thread of the call pool (`call-pool.ts`): its own connection to the state database, trie store and executor,
 * on which it runs the calls and traces it is sent — several at once, each answered by its id. The EVM does not
 * yield while it runs, so a long call or trace holds this thread, never the node's.
 */
import { parentPort } from 'node:worker_threads';
import { createPgPool } from '../../db/index.ts';
import {
  type CallInput,
  createExecutor,
  createTrieStore,
  type Executor,
  runTrace,
  StructLogLimitError,
  type TraceRequest,
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

/** Runs one call or trace and posts its answer under `id`. */
async function answer(id: number, run: (executor: Executor) => Promise<unknown>): Promise<void> {
  let reply: CallWorkerReply;
  try {
    if (!state) throw new Error('the call worker was not initialised');
    reply = { kind: 'result', id, result: await run((await state).executor) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reply = {
      kind: 'error',
      id,
      error:
        err instanceof UnknownStateRootError
          ? { unknownRoot: err.stateRoot, message }
          : err instanceof StructLogLimitError
            ? { structLogLimit: true, message }
            : { message },
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
    case 'call': {
      const input: CallInput = m.input;
      void answer(m.id, (executor) => executor.call(input));
      return;
    }
    case 'trace': {
      const request: TraceRequest = m.request;
      void answer(m.id, (executor) => runTrace(executor, request));
      return;
    }
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
