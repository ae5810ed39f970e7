/**
 * Witnesses for stateless re-execution (DESIGN §7): what a prover needs from the old state to re-execute batches
 * without the node's database, and the re-execution itself.
 *
 * A {@link Witness} is the set of Merkle-Patricia trie nodes (state trie and storage tries) and contract codes that
 * executing the batches read from the old state, each identified by its keccak256 — geth's execution-witness
 * shape. Because a node is found only by the hash its parent names, any walk from the old state root through the
 * witness is a proof against that root: a forged node is simply never reached. Nodes the batches delete through
 * (a branch collapsing when a slot is cleared) are read while the new root is computed, so they are recorded too.
 *
 * {@link buildWitness} executes the batches on the node's archived trie over a recording, write-absorbing overlay
 * (the store is never written); {@link executeStateless} executes them on the witness alone and fails with a
 * {@link WitnessError} naming what is missing. Both follow DESIGN §6: one tx per L2 block, numbered from the
 * batch's first L2 block, every block with the batch timestamp and coinbase; invalid txs make no block.
 */
import { bytesToUnprefixedHex, KECCAK256_RLP } from '@ethereumjs/util';
import { type BatchTx, decodeBatchL2Data } from '../batch/index.ts';
import { NodeError } from '../errors/index.ts';
import { type Address, bytesToHex, type Hash, hexToBytes, keccak256 } from '../primitives/index.ts';
import { createExecutor, createOverlayDb, type Executor, type TrieNodeDb } from './executor.ts';

/** One batch to execute: its sequenced data and the L2 blocks it makes. */
export type WitnessBatch = {
  batchNumber: bigint;
  /** The DESIGN §6 encoding of its txs. */
  batchL2Data: Uint8Array;
  globalExitRoot: Hash;
  /** Every L2 block of the batch carries it. */
  timestamp: bigint;
  /** Receives the fees. */
  coinbase: Address;
  /** The number of the L2 block of the batch's first (valid) tx. */
  firstL2Block: bigint;
};

/** Trie nodes (RLP) and contract codes the batches read from the old state, each keyed by its keccak256. */
export type Witness = { nodes: Uint8Array[]; codes: Uint8Array[] };

/** The outcome of executing batches: the root after the last one and how many L2 blocks they made. */
export type BatchesResult = { newStateRoot: Hash; l2Blocks: number };

/** The witness or the batches cannot be re-executed: `field` names the request field at fault. */
export class WitnessError extends NodeError<'WitnessError'> {
  override name = 'WitnessError' as const;
  /** `witness.nodes`, `witness.codes` or `batches[i].batch_l2_data`. */
  readonly field: string;
  constructor(shortMessage: string, opts: { field: string; cause?: unknown }) {
    super(shortMessage, {
      code: 'WITNESS',
      severity: 'critical',
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    this.field = opts.field;
  }
}

/** The trie database key of a code: the state manager's `c` prefix, then the code hash (unprefixed hex). */
const CODE_KEY_PREFIX = '63';
const NODE_KEY_LENGTH = 64;
const CODE_KEY_LENGTH = CODE_KEY_PREFIX.length + 64;
const EMPTY_ROOT_KEY = bytesToUnprefixedHex(KECCAK256_RLP);

/**
 * Executes `batches` on `oldStateRoot` in `store` (never written) and records every trie node and code read from
 * it: the witness a stateless prover needs. Returns the new root too, so the caller can check it against the
 * chain it claims.
 * @throws {UnknownStateRootError} when the store lacks `oldStateRoot`; {ExecutionError} when the store fails;
 *   {WitnessError} (`batches[i].batch_l2_data`) when a batch does not decode.
 */
export async function buildWitness(opts: {
  store: TrieNodeDb;
  chainId: bigint;
  oldStateRoot: Hash;
  batches: readonly WitnessBatch[];
}): Promise<{ witness: Witness } & BatchesResult> {
  const read = new Map<string, Uint8Array>();
  const base = opts.store;
  const db = createOverlayDb({
    get: async (key) => {
      const value = await base.get(key);
      if (value !== undefined) read.set(key, valueBytes(value));
      return value;
    },
  });
  // The root node is what every proof starts from: read it even when the batches touch nothing.
  await db.get(bytesToUnprefixedHex(hexToBytes(opts.oldStateRoot)));
  const executor = await createExecutor({ store: db, chainId: opts.chainId });
  const result = await runBatches(executor, opts.oldStateRoot, opts.batches);
  const witness: Witness = { nodes: [], codes: [] };
  for (const [key, value] of read) {
    if (key.length === NODE_KEY_LENGTH) witness.nodes.push(value);
    else if (key.length === CODE_KEY_LENGTH && key.startsWith(CODE_KEY_PREFIX)) witness.codes.push(value);
  }
  return { witness, ...result };
}

/**
 * Re-executes `batches` on the state `witness` proves against `oldStateRoot`, with nothing else: the prover's
 * check (DESIGN §7). Every node is found by its hash, so a witness can only prove what the old root commits to.
 * @throws {WitnessError} when the witness lacks the old root's node (`witness.nodes`), a node (`witness.nodes`)
 *   or a code (`witness.codes`) the batches need, or a batch does not decode (`batches[i].batch_l2_data`).
 */
export async function executeStateless(opts: {
  chainId: bigint;
  oldStateRoot: Hash;
  witness: Witness;
  batches: readonly WitnessBatch[];
}): Promise<BatchesResult> {
  const known = new Map<string, Uint8Array>();
  for (const node of opts.witness.nodes) known.set(bytesToUnprefixedHex(keccak256(node)), node);
  for (const code of opts.witness.codes)
    known.set(CODE_KEY_PREFIX + bytesToUnprefixedHex(keccak256(code)), code);
  const rootKey = bytesToUnprefixedHex(hexToBytes(opts.oldStateRoot));
  if (opts.oldStateRoot.toLowerCase() !== bytesToHex(KECCAK256_RLP) && !known.has(rootKey)) {
    throw new WitnessError(`the witness lacks the node of the old state root ${opts.oldStateRoot}`, {
      field: 'witness.nodes',
    });
  }
  // A trie only asks for a hash its parent names, and code only for a contract: every key asked for must be
  // there. A miss parks the run (its read never settles: the trie and state manager throw from inside promise
  // executors, where an error would escape as an unhandled rejection and leave the run hanging anyway) and
  // fails the race below with the first missing key; the parked run is garbage once we return.
  let missing: WitnessError | undefined;
  let reportMissing: (err: WitnessError) => void = () => {};
  const missingSignal = new Promise<never>((_, reject) => {
    reportMissing = reject;
  });
  missingSignal.catch(() => {}); // observed through the race
  const db = createOverlayDb({
    get: async (key) => {
      const value = known.get(key);
      if (value !== undefined) return value;
      // The empty trie's root (an account without storage) is never a stored node: absent is its right answer.
      if (key === EMPTY_ROOT_KEY) return undefined;
      if (missing === undefined) {
        const code = key.length === CODE_KEY_LENGTH && key.startsWith(CODE_KEY_PREFIX);
        missing = new WitnessError(
          code
            ? `the witness lacks the code with hash 0x${key.slice(CODE_KEY_PREFIX.length)}`
            : `the witness lacks the trie node 0x${key}`,
          { field: code ? 'witness.codes' : 'witness.nodes' },
        );
        reportMissing(missing);
      }
      return new Promise<never>(() => {});
    },
  });
  const executor = await createExecutor({ store: db, chainId: opts.chainId });
  const run = runBatches(executor, opts.oldStateRoot, opts.batches).catch((err: unknown) => {
    throw missing ?? err;
  });
  return Promise.race([run, missingSignal]);
}

/** DESIGN §6 execution of consecutive batches from `root`. */
async function runBatches(
  executor: Executor,
  root: Hash,
  batches: readonly WitnessBatch[],
): Promise<BatchesResult> {
  let stateRoot = root;
  let l2Blocks = 0;
  for (const [index, batch] of batches.entries()) {
    let txs: BatchTx[];
    try {
      txs = decodeBatchL2Data(batch.batchL2Data);
    } catch (err) {
      throw new WitnessError(`batch ${batch.batchNumber} does not decode`, {
        field: `batches[${index}].batch_l2_data`,
        cause: err,
      });
    }
    let number = batch.firstL2Block;
    for (const tx of txs) {
      if (tx.from === null) continue; // no sender: invalid, no block
      const result = await executor.executeTx({
        stateRoot,
        tx,
        block: { number, timestamp: batch.timestamp, coinbase: batch.coinbase },
      });
      if (!result.valid) continue;
      stateRoot = result.stateRoot;
      number++;
      l2Blocks++;
    }
  }
  return { newStateRoot: stateRoot, l2Blocks };
}

function valueBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? hexToBytes(`0x${value}`) : value;
}
