/**
 * The batch decoder's worker (a `worker_threads` thread started by `batch-decoder.ts`): decodes one batch per
 * message, senders recovered, and answers with the txs and their blobs — or only that the batch does not decode
 * (the builder decodes it again on its own thread for the error).
 */
import { parentPort } from 'node:worker_threads';
import { type DecodeReply, type DecodeRequest, decodeBatch } from './batch-decoder.ts';

const port = parentPort;
if (!port) throw new Error('batch-decoder-worker.ts runs only as a worker thread');

port.on('message', ({ id, data }: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    reply = { kind: 'ok', id, ...decodeBatch(data) };
  } catch {
    reply = { kind: 'error', id };
  }
  port.postMessage(reply);
});
port.postMessage({ kind: 'ready' } satisfies DecodeReply);
