/**
 * Builds a real trusted chain for tests, as the sequencer does: signed txs executed by the executor on the chain's
 * state root, trie nodes flushed, then the `l2` stream's decider turns each step into events appended to the store
 * (genesis, batches, one block per tx, batch close with its accInputHash).
 */
import { accInputHash, encodeBatchL2Data } from '../../src/batch/index.ts';
import type { EventStore, GlobalPosition } from '../../src/eventstore/index.ts';
import type { ExecuteTxResult, Executor, TrieStore } from '../../src/execution/index.ts';
import { encodeReceipt, L2_BLOCK_GAS_LIMIT, orderedTrieRoot } from '../../src/l2/index.ts';
import { type Address, bytesToHex, type Hash, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  type BatchCloseReason,
  decide,
  foldL2,
  L2_STREAM_ID,
  type L2Command,
  type L2Event,
  type L2State,
  stateAfterBatch,
} from '../../src/streams/l2/index.ts';
import { decodeSignedLegacyTx } from '../../src/tx/index.ts';

export type ExecutedTx = {
  hash: Hash;
  from: Address;
  blockNumber: bigint;
  result: Extract<ExecuteTxResult, { valid: true }>;
};

export type L2ChainWriter = {
  /** Every event appended so far, in order. */
  readonly history: readonly L2Event[];
  /** The position of the last append (wait for the read models to reach it). */
  readonly position: GlobalPosition;
  state(): L2State;
  genesis(stateRoot: Hash, timestamp: bigint): Promise<void>;
  openBatch(timestamp: bigint, coinbase: Address, globalExitRoot?: Hash): Promise<void>;
  /**
   * Executes a signed raw tx in a new block of the open batch and seals it.
   * @throws when the tx is invalid (the test wrote a bad tx).
   */
  execute(raw: Hex): Promise<ExecutedTx>;
  closeBatch(reason?: BatchCloseReason): Promise<void>;
  /** Undoes the chain after batch `batch` (`TrustedStateReset`), as a node that follows L1 does. */
  resetTo(batch: bigint, reason?: string): Promise<void>;
};

/** The `l2` stream written as the sequencer writes it: each command decided on what was appended, then appended. */
export type L2Commands = {
  /** Every event appended so far, in order. */
  readonly history: L2Event[];
  /** Decides `c` on the history and appends its events at the stream's revision. */
  command(c: L2Command): Promise<{ position: GlobalPosition }>;
};

export function createL2Commands(store: EventStore): L2Commands {
  const history: L2Event[] = [];
  return {
    history,
    async command(c) {
      const events = decide(c, foldL2(history));
      const result = await store.append(
        L2_STREAM_ID,
        envelope(events, { actor: 'sequencer', at: new Date(0).toISOString() }),
        history.length === 0 ? 'no_stream' : history.length - 1,
      );
      history.push(...events);
      return result;
    },
  };
}

const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const pad32 = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as Hex;

export function createL2ChainWriter(deps: {
  store: EventStore;
  executor: Executor;
  trie: TrieStore;
}): L2ChainWriter {
  const l2 = createL2Commands(deps.store);
  const { history } = l2;
  let position: GlobalPosition = 0n;

  async function command(c: L2Command): Promise<void> {
    ({ position } = await l2.command(c));
  }

  return {
    history,
    get position() {
      return position;
    },
    state: () => foldL2(history),
    genesis: (stateRoot, timestamp) => command({ type: 'CreateGenesis', data: { stateRoot, timestamp } }),
    openBatch: (timestamp, coinbase, globalExitRoot = ZERO_HASH) =>
      command({ type: 'OpenBatch', data: { timestamp, coinbase, globalExitRoot } }),
    async resetTo(batch, reason = 'test') {
      const to = stateAfterBatch([...history].reverse(), batch);
      if (!to) throw new Error(`batch ${batch} is not closed in this chain`);
      await command({ type: 'ResetTrustedState', data: { to, reason } });
    },

    async execute(raw) {
      const state = foldL2(history);
      if (state.status !== 'open') throw new Error('no batch is open');
      const tx = decodeSignedLegacyTx(hexToBytes(raw));
      const blockNumber = state.tip.number + 1n;
      const result = await deps.executor.executeTx({
        stateRoot: state.tip.stateRoot,
        tx: raw,
        block: {
          number: blockNumber,
          timestamp: state.batch.timestamp,
          coinbase: state.batch.coinbase,
          parentHash: state.tip.hash,
        },
      });
      if (!result.valid) throw new Error(`test tx ${tx.hash} is invalid: ${result.error}`);
      await deps.trie.flush(); // nodes before the event naming the root
      const { receipt, stateRoot } = result;
      const receiptRlp = encodeReceipt({
        postState: stateRoot,
        cumulativeGasUsed: receipt.cumulativeGasUsed,
        logsBloom: receipt.logsBloom,
        logs: receipt.logs,
      });
      await command({
        type: 'SealL2Block',
        data: {
          stateRoot,
          transactionsRoot: await orderedTrieRoot([hexToBytes(raw)]),
          receiptsRoot: await orderedTrieRoot([receiptRlp]),
          logsBloom: receipt.logsBloom,
          gasLimit: L2_BLOCK_GAS_LIMIT.toString(),
          gasUsed: receipt.gasUsed.toString(),
          tx: {
            hash: tx.hash,
            from: result.from,
            nonce: tx.nonce.toString(),
            gasPrice: tx.gasPrice.toString(),
            gas: tx.gas.toString(),
            to: tx.to,
            value: tx.value.toString(),
            data: tx.data,
            chainId: tx.chainId.toString(),
            v: tx.v.toString(),
            r: pad32(tx.r),
            s: pad32(tx.s),
            batchBlob: bytesToHex(encodeBatchL2Data([tx])),
          },
          receipt: {
            status: receipt.status,
            gasUsed: receipt.gasUsed.toString(),
            cumulativeGasUsed: receipt.cumulativeGasUsed.toString(),
            contractAddress: receipt.createdAddress ?? null,
            logs: receipt.logs,
            logsBloom: receipt.logsBloom,
            effectiveGasPrice: tx.gasPrice.toString(),
          },
        },
      });
      return { hash: tx.hash, from: result.from, blockNumber, result };
    },

    async closeBatch(reason = 'timeout') {
      const state = foldL2(history);
      if (state.status !== 'open') throw new Error('no batch is open');
      const b = state.batch;
      const batchL2Data = `0x${b.blobs.map((x) => x.slice(2)).join('')}` as Hex;
      await command({
        type: 'CloseBatch',
        data: {
          reason,
          batchL2Data,
          accInputHash: accInputHash({
            oldAccInputHash: b.oldAccInputHash,
            globalExitRoot: b.globalExitRoot,
            timestamp: b.timestamp,
            coinbase: b.coinbase,
            batchL2Data,
          }),
        },
      });
    },
  };
}
