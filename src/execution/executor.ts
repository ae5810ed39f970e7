/**
 * The executor (DESIGN §5, §6): `@ethereumjs/vm` v10 running one legacy tx at a time on an Ethereum
 * Merkle-Patricia state trie whose nodes live in a content-addressed store ({@link TrieStore}).
 *
 * Rules: London with a zero base fee — EIP-2929/2930 access costs, EIP-3529 refunds, EIP-3541 (no code starting
 * with 0xEF), BASEFEE reads 0, no PUSH0 — and the whole `gasUsed × gasPrice` goes to the block's coinbase.
 * A reverted or out-of-gas tx is included (nonce +1, fee paid, status 0). An invalid tx (bad sender or chain id,
 * wrong nonce, insufficient funds, intrinsic gas too low, above the block gas limit, sender with code) changes
 * nothing and comes back as `{ valid: false, error }` with the pool's message for it.
 *
 * State is addressed by root: every call names the root it reads or builds on, so any historical state can be
 * read (archive) and execution is a pure function of (root, tx, block) — its result is only new trie nodes
 * written to the store, which the caller flushes before it appends the event naming the new root.
 *
 * Concurrency and the one-VM choice (measured in scripts/bench/execution.ts): txs run one at a time on ONE
 * long-lived VM kept at the root of the last tx. The usual case — each tx on the root the previous one produced —
 * pays no `setStateRoot` and keeps the state manager's account/storage/code caches, which about double
 * throughput (≈690 → ≈1300 transfers/s on MapDB); a tx on any other root moves the VM there first (clearing the
 * caches). A VM per call would cost ≈0.5 ms to build and lose those caches. Reads (`getAccount`, `getProof`,
 * `call`, …) each open a fresh, cache-less state manager at their root over the same store (allocation only; the
 * nodes come from the store's cache), so they run concurrently with execution and never disturb the VM.
 *
 * Senders: a decoded tx with its sender (recovered once at pool intake or batch decoding) is run without
 * recovering it again — recovery is the largest single cost of a transfer; raw bytes are recovered here.
 */
import { createBlock, paramsBlock } from '@ethereumjs/block';
import { type Common, createCustomCommon, type HardforkTransitionConfig, Mainnet } from '@ethereumjs/common';
import type { EVMMockBlockchainInterface, EVMResult, InterpreterStep, Message } from '@ethereumjs/evm';
import { createMPT } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { Caches, getMerkleStateProof, MerkleStateManager } from '@ethereumjs/statemanager';
import { createLegacyTx, createLegacyTxFromBytesArray, type LegacyTx, paramsTx } from '@ethereumjs/tx';
import {
  Account,
  createAccountFromRLP,
  type DB,
  Address as EthAddress,
  KECCAK256_NULL,
  KECCAK256_RLP,
  setLengthLeft,
  ValueEncoding,
} from '@ethereumjs/util';
import { createVM, type RunTxResult, runTx, type VM } from '@ethereumjs/vm';
import { effectiveGasPrice } from '../batch/index.ts';
import { NodeError, severityOf } from '../errors/index.ts';
import { L2_BLOCK_GAS_LIMIT } from '../l2/index.ts';
import {
  type Address,
  bytesToHex,
  checksumAddress,
  ecrecover,
  type Hash,
  type Hex,
  hexToBytes,
  keccak256,
  toAddress,
} from '../primitives/index.ts';
import type { LegacyTx as L2LegacyTx } from '../tx/index.ts';
import { createTwoGenerationCache } from './cache.ts';

/** Root of the empty state trie (keccak256 of RLP("")). */
export const EMPTY_STATE_ROOT = bytesToHex(KECCAK256_RLP) as Hash;

/** Keccak of empty code: the `codeHash` of an account without code. */
export const EMPTY_CODE_HASH = bytesToHex(KECCAK256_NULL) as Hash;

/** What a trie needs from its node store: `@ethereumjs/util`'s DB (a {@link TrieStore}, or a MapDB in tests). */
export type TrieNodeDb = DB<string, string | Uint8Array>;

/** A genesis account: the config's `GenesisAccount` and the vectors' `genesis` entries both fit. */
export type GenesisAllocation = {
  address: string;
  balance: bigint;
  nonce: bigint;
  /** Runtime code, 0x-hex (`0x` or absent for none). */
  bytecode?: string;
  /** Slot → value, each 0x-hex of at most 32 bytes (or a bigint value). */
  storage?: Readonly<Record<string, string | bigint>>;
};

/**
 * A signed legacy tx already decoded, with its sender recovered once upstream (pool intake, batch decoding), and
 * the effective percentage of its batch blob: the tx pays {@link effectiveGasPrice} of its `gasPrice` (255, the
 * default, is the full price).
 */
export type DecodedLegacyTxInput = Pick<
  L2LegacyTx,
  'from' | 'nonce' | 'gasPrice' | 'gas' | 'to' | 'value' | 'data' | 'v' | 'r' | 's'
> & { effectivePercentage?: number };

/** A tx to execute: signed raw bytes (the executor recovers the sender) or a decoded tx with its sender. */
export type TxInput = Uint8Array | Hex | DecodedLegacyTxInput;

/** The L2 block a tx runs in (one tx per block, DESIGN §6). */
export type BlockContext = {
  number: bigint;
  timestamp: bigint;
  coinbase: Address;
  /** Default {@link L2_BLOCK_GAS_LIMIT}. */
  gasLimit?: bigint;
  parentHash?: Hash;
};

export type Log = { address: Address; topics: Hash[]; data: Hex };

export type TxReceipt = {
  /** 1 success, 0 reverted / out of gas / any exceptional halt. */
  status: 0 | 1;
  gasUsed: bigint;
  /** Equals `gasUsed`: one tx per block. */
  cumulativeGasUsed: bigint;
  logs: Log[];
  /** 256-byte bloom of the logs. */
  logsBloom: Hex;
  /** The deployed contract's address, for a successful creation. */
  createdAddress?: Address;
};

/** Why a tx is invalid (not applied): the pool's messages (`reference/zkevm-node-spec.md` §3). */
export type InvalidTxReason =
  | 'invalid transaction'
  | 'invalid sender'
  | 'invalid chain id'
  | 'intrinsic gas too low'
  | 'exceeds block gas limit'
  | 'nonce too low'
  | 'nonce too high'
  | 'insufficient funds for gas * price + value'
  | 'sender is not an EOA';

export type ExecuteTxResult =
  | {
      valid: true;
      /** The state root after the tx. */
      stateRoot: Hash;
      receipt: TxReceipt;
      /** The sender, recovered here or as given. */
      from: Address;
      /** Return data (revert data for a reverted tx; empty for a creation). */
      returnValue: Hex;
      /** The EVM's exceptional halt (`revert`, `out of gas`, …) when status is 0. */
      vmError?: string;
    }
  | {
      valid: false;
      /** Unchanged: the root the tx was run on. */
      stateRoot: Hash;
      error: InvalidTxReason;
      /** The sender when it is known. */
      from?: Address;
    };

export type AccountInfo = { nonce: bigint; balance: bigint; codeHash: Hash; storageRoot: Hash };

/** EIP-1186 account proof (`eth_getProof`), quantities as bigints. */
export type AccountProof = {
  address: Address;
  balance: bigint;
  nonce: bigint;
  codeHash: Hash;
  storageHash: Hash;
  /** RLP trie nodes from the state root down to the account (or to where it would be). */
  accountProof: Hex[];
  storageProof: { key: Hash; value: bigint; proof: Hex[] }[];
};

/**
 * geth's per-account state override for a message call. `state` replaces the account's whole storage, `stateDiff`
 * patches single slots; the two exclude each other. Slots and values are 32-byte words (0x-hex of at most 32 bytes).
 */
export type AccountOverride = {
  balance?: bigint;
  nonce?: bigint;
  /** Runtime code (`0x` removes it). */
  code?: Hex;
  /** Full replacement of the storage: slot → value. */
  state?: Readonly<Record<Hex, bigint>>;
  /** Slot → value patches over the stored values. */
  stateDiff?: Readonly<Record<Hex, bigint>>;
};

/** State overrides by (lowercase) address, applied before a call runs. */
export type StateOverrides = Readonly<Record<Address, AccountOverride>>;

export type CallInput = {
  stateRoot: Hash;
  /** Applied on the call's own state manager (an overlay: the store and the root stay untouched). */
  overrides?: StateOverrides;
  /** Default the zero address. */
  from?: Address;
  /** `null`/absent: a creation (init code in `data`). */
  to?: Address | null;
  data?: Hex;
  value?: bigint;
  /** Default the block gas limit. */
  gas?: bigint;
  /** Default 0. */
  gasPrice?: bigint;
  block: BlockContext;
};

export type CallResult = {
  status: 0 | 1;
  /** Gas the tx would use (intrinsic gas included, refunds applied). */
  gasUsed: bigint;
  returnValue: Hex;
  logs: Log[];
  vmError?: string;
};

/**
 * Listeners a tracer attaches to the EVM while a traced tx runs (`src/execution/trace.ts`): `step` before each
 * opcode (the EVM waits for a returned promise), `enter` when a call frame starts, `exit` when it ends.
 */
export type EvmTraceHooks = {
  step(step: InterpreterStep): void | Promise<void>;
  enter(message: Message): void;
  exit(result: EVMResult): void;
};

export type TraceTxInput = {
  /** The state the tx's block starts from (its parent's state root). */
  stateRoot: Hash;
  /** The txs before `tx` in its block, in order: replayed first, untraced. */
  before?: readonly TxInput[];
  tx: TxInput;
  block: BlockContext;
  hooks: EvmTraceHooks;
};

/** What a traced tx did: as a {@link CallResult}, with the tx's gas limit. */
export type TracedTx = CallResult & { gasLimit: bigint };

export type ExecutorOptions = {
  /** The trie node store (shared by execution and reads). */
  store: TrieNodeDb;
  chainId: bigint;
  /** When given, its state is written to the store and its root is {@link Executor.genesisRoot}. */
  genesis?: readonly GenesisAllocation[];
  /** BLOCKHASH(n) for the 256 blocks before the current one; default zero. */
  getBlockHash?: (number: bigint) => Promise<Hash>;
  /**
   * How many entries the execution VM's account/storage/code caches may take in (puts and deletes, an upper bound
   * on what they hold) before they are dropped after a tx; default {@link VM_CACHE_WRITES}.
   */
  vmCacheWrites?: number;
};

/**
 * Entries the execution VM's caches take in before they are dropped (see {@link createExecutor}): ≤ 250,000 entries
 * of a few hundred bytes, tens of MB at most; a transfer puts about eight, so they are dropped every ~30,000 txs.
 */
export const VM_CACHE_WRITES = 250_000;

export type Executor = {
  readonly chainId: bigint;
  /** The root of `genesis` when it was given. */
  readonly genesisRoot: Hash | undefined;
  /**
   * Writes a genesis allocation on the empty state and returns its root.
   * @throws {TrieStoreError} (temporary) when the store fails.
   */
  applyGenesis(accounts: readonly GenesisAllocation[]): Promise<Hash>;
  /**
   * Executes one tx on `stateRoot` in `block`. Invalid txs change nothing (`valid: false`).
   * @throws {UnknownStateRootError} when the store has no such root.
   * @throws {ExecutionError} when the VM fails for a reason that is not the tx's (a store failure: temporary).
   */
  executeTx(input: { stateRoot: Hash; tx: TxInput; block: BlockContext }): Promise<ExecuteTxResult>;
  /**
   * Runs a message call on `stateRoot` without changing any state (`eth_call`, gas estimation): no nonce check, no
   * EOA check (a sender with code is fine), nothing written to the store. A sender that cannot pay value + gas ×
   * price, or a gas below the intrinsic gas, is a failed call (status 0, geth's message in `vmError`).
   * @throws {UnknownStateRootError}, {ExecutionError}
   */
  call(input: CallInput): Promise<CallResult>;
  /**
   * Re-executes a mined tx with `hooks` attached to the EVM (`debug_traceTransaction`): the txs `before` it in its
   * block are replayed first, untraced, on `stateRoot`; all on a private overlay of the store (nothing is written).
   * @throws {UnknownStateRootError}; {ExecutionError} when a tx cannot be replayed there (the chain and the trie
   *   disagree), the store fails, or a hook throws.
   */
  traceTx(input: TraceTxInput): Promise<TracedTx>;
  /*
   * Reads at any root (archive). Each throws {UnknownStateRootError} when the store has no such root and
   * {ExecutionError} (temporary when the store failed) when reading fails; a slot that is not at most 32 bytes of
   * hex is a TypeError.
   */
  /** Account fields at `stateRoot`: zeros and the empty code/storage hashes for an absent account. */
  getAccount(stateRoot: Hash, address: Address): Promise<AccountInfo>;
  /** A storage word at `stateRoot`, as a bigint (0 when unset). */
  getStorage(stateRoot: Hash, address: Address, slot: Hex | bigint): Promise<bigint>;
  /** Runtime code at `stateRoot` (`0x` for none). */
  getCode(stateRoot: Hash, address: Address): Promise<Hex>;
  /** EIP-1186 proof (`eth_getProof`) of an account and some of its slots at `stateRoot`. */
  getProof(stateRoot: Hash, address: Address, slots?: readonly (Hex | bigint)[]): Promise<AccountProof>;
  /** Whether the store holds `stateRoot`. @throws {ExecutionError} when the store fails. */
  hasStateRoot(stateRoot: Hash): Promise<boolean>;
  /** What the execution VM's caches hold (distinct accounts, contracts with slots, codes), for metrics and tests. */
  vmCacheStats(): { accounts: number; storageAccounts: number; codes: number; writes: number };
};

/** The store does not hold the requested state root (never written, or written and not flushed elsewhere). */
export class UnknownStateRootError extends NodeError<'UnknownStateRootError'> {
  override name = 'UnknownStateRootError' as const;
  readonly stateRoot: Hash;
  constructor(stateRoot: Hash) {
    super(`unknown state root ${stateRoot}`, { code: 'UNKNOWN_STATE_ROOT', severity: 'critical' });
    this.stateRoot = stateRoot;
  }
}

/** The VM failed for a reason outside the tx (store failure, a VM bug); the severity follows the cause. */
export class ExecutionError extends NodeError<'ExecutionError'> {
  override name = 'ExecutionError' as const;
  constructor(shortMessage: string, opts: { cause: unknown }) {
    const inner = opts.cause instanceof NodeError ? opts.cause : undefined;
    super(shortMessage, {
      cause: opts.cause,
      code: 'EXECUTION',
      severity: inner ? severityOf(inner) : 'critical',
      ...(opts.cause instanceof Error ? { details: opts.cause.message } : {}),
    });
  }
}

/**
 * The `Common` of the L2: chain `chainId`, every hardfork up to London active from block 0 (so no block number
 * is ever "the London block" with its initial-base-fee rule), London selected. The tx and block parameters are
 * merged in once, so building a tx or a block passes {@link PARAMS_MERGED} instead of re-merging them (JSON
 * copies, ~45 µs per tx). Signatures recover on libsecp256k1 and keccak runs on WebAssembly (src/primitives) unless
 * `defaultCrypto` asks for @ethereumjs's own pure-JS crypto (benchmarks compare the two). Pure.
 */
export function createL2Common(chainId: bigint, opts: { defaultCrypto?: boolean } = {}): Common {
  const hardforks: HardforkTransitionConfig[] = [];
  for (const hf of Mainnet.hardforks) {
    hardforks.push({ name: hf.name, block: 0 });
    if (hf.name === 'london') break;
  }
  const common = createCustomCommon(
    { name: 'levitation-l2', chainId: chainId.toString(), hardforks, defaultHardfork: 'london' },
    Mainnet,
    // Recovery on libsecp256k1 for the ECRECOVER precompile and any tx the VM recovers itself; keccak on
    // WebAssembly for the state trie (it takes the common's), KECCAK256 and every hash the VM computes.
    opts.defaultCrypto
      ? { hardfork: 'london' }
      : { hardfork: 'london', customCrypto: { ecrecover, keccak256 } },
  );
  common.updateParams(paramsTx);
  common.updateParams(paramsBlock);
  // Every tx and block constructor calls `updateParams(opts.params)` — `{}` here, see PARAMS_MERGED — and even an
  // empty update rebuilds the whole params cache, to the same content (three times per executed tx, ~0.1 ms in
  // all). An empty update is skipped; any other still merges. A plain function, not a bound one: `Common.copy()`
  // (each tx and block header takes a copy) copies this property, and the copy must update itself.
  const merge = (Object.getPrototypeOf(common) as Common).updateParams;
  common.updateParams = function (this: Common, params: Parameters<Common['updateParams']>[0]) {
    if (Object.keys(params).length > 0) merge.call(this, params);
  };
  return common;
}

/** The `params` option for txs and blocks built on {@link createL2Common}'s common: already merged. */
const PARAMS_MERGED = {};

/**
 * Creates an executor over `store`. Writes nothing unless `genesis` is given.
 * @throws {TrieStoreError} when writing the genesis fails.
 */
export async function createExecutor(opts: ExecutorOptions): Promise<Executor> {
  const { store, chainId } = opts;
  const common = createL2Common(chainId);
  const blockchain: EVMMockBlockchainInterface | undefined = opts.getBlockHash
    ? createBlockHashSource(opts.getBlockHash)
    : undefined;

  const openTrie = (root: Uint8Array, db: TrieNodeDb = store) =>
    createMPT({ db, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common, root });

  // The VM's state manager keeps account/storage/code caches: valid as long as the VM stays on the root it
  // produced (cleared by `setStateRoot` when it moves), they halve the trie walks of a tx. They are ordered maps
  // without a bound (@ethereumjs's default), and the VM stays on its own roots for the node's whole life: without
  // a limit they would hold every account, slot and code ever touched. `dropVmCachesIfFull` bounds them.
  // The VM reads the store through a guard (see createGuardedDb): a failed read fails the tx under way instead of
  // wedging the VM, which is then rebuilt.
  const vmDb = createGuardedDb(store);
  async function buildExecutionVm() {
    const trie = await openTrie(KECCAK256_RLP, vmDb.db);
    const caches = new Caches();
    const sm = new MerkleStateManager({ common, trie, caches });
    const vm = await createVM({ common, stateManager: sm, ...(blockchain ? { blockchain } : {}) });
    return { trie, caches, sm, vm };
  }
  let exec = await buildExecutionVm();
  const vmCacheWrites = opts.vmCacheWrites ?? VM_CACHE_WRITES;
  const vmCacheList = () => [exec.caches.account, exec.caches.storage, exec.caches.code];
  /** Puts and deletes into the VM's caches since they were last emptied. */
  const vmCacheIntake = () => {
    let n = 0;
    for (const cache of vmCacheList()) {
      const stats = cache?.stats(false);
      if (stats) n += stats.writes + stats.deletions;
    }
    return n;
  };
  const resetVmCacheIntake = () => {
    for (const cache of vmCacheList()) cache?.stats(true);
  };
  /**
   * After a tx (its writes flushed into the trie, so the caches only hold clean copies): once the caches have taken
   * in {@link vmCacheWrites} entries, drops them and the storage tries. The VM goes to the empty root (no read) and
   * the next tx moves it back, as a tx on another root does.
   */
  async function dropVmCachesIfFull(): Promise<void> {
    if (vmCacheIntake() <= vmCacheWrites) return;
    vmRoot = EMPTY_STATE_ROOT;
    await exec.sm.setStateRoot(KECCAK256_RLP);
    resetVmCacheIntake();
  }
  /** The root the VM's state manager is at (execution keeps it current). */
  let vmRoot: Hash = EMPTY_STATE_ROOT;
  const serial = createSerialQueue();

  async function moveVmTo(root: Hash): Promise<void> {
    if (root === vmRoot) return;
    const bytes = rootBytes(root);
    let exists: boolean;
    try {
      exists = await exec.trie.checkRoot(bytes);
    } catch (err) {
      throw new ExecutionError(`cannot read state root ${root}`, { cause: err });
    }
    if (!exists) throw new UnknownStateRootError(root);
    await exec.sm.setStateRoot(bytes);
    resetVmCacheIntake();
    vmRoot = root;
  }

  /** A state manager at `root` for reads, over `db` (the store, or a write-absorbing overlay of it). */
  async function stateAt(root: Hash, db: TrieNodeDb = store): Promise<MerkleStateManager> {
    const bytes = rootBytes(root);
    const trie = await openTrie(bytes, db);
    let exists: boolean;
    try {
      exists = await trie.checkRoot(bytes);
    } catch (err) {
      throw new ExecutionError(`cannot read state root ${root}`, { cause: err });
    }
    if (!exists) throw new UnknownStateRootError(root);
    return new MerkleStateManager({ common, trie });
  }

  /** Idle read-only state managers over the store, moved to each read's root (a new trie per read costs more). */
  const idleReaders: MerkleStateManager[] = [];

  /**
   * Accounts read at a root (`eth_getBalance`, `eth_getTransactionCount`, the pool's checks at the tip), in two
   * generations of at most ACCOUNT_CACHE_ENTRIES each: a read that hits the older one moves it to the newer.
   */
  const ACCOUNT_CACHE_ENTRIES = 20_000;
  const accountCache = createTwoGenerationCache<AccountInfo>(2 * ACCOUNT_CACHE_ENTRIES, () => 1);

  /** Runs a read on a state manager at `root`; store failures come out as {@link ExecutionError}. */
  async function reading<T>(root: Hash, read: (sm: MerkleStateManager) => Promise<T>): Promise<T> {
    let sm = idleReaders.pop();
    if (sm) {
      const bytes = rootBytes(root);
      let exists: boolean;
      try {
        exists = await sm.hasStateRoot(bytes);
      } catch (err) {
        throw new ExecutionError(`cannot read state root ${root}`, { cause: err });
      }
      if (!exists) {
        idleReaders.push(sm);
        throw new UnknownStateRootError(root);
      }
      await sm.setStateRoot(bytes);
    } else {
      sm = await stateAt(root);
    }
    let result: T;
    try {
      result = await read(sm);
    } catch (err) {
      throw new ExecutionError(`cannot read state at ${root}`, { cause: err });
    }
    if (idleReaders.length < 16) idleReaders.push(sm);
    return result;
  }

  async function applyGenesis(accounts: readonly GenesisAllocation[]): Promise<Hash> {
    const sm = new MerkleStateManager({ common, trie: await openTrie(KECCAK256_RLP) });
    await sm.checkpoint();
    for (const a of accounts) {
      const address = ethAddress(a.address);
      await sm.putAccount(address, new Account(a.nonce, a.balance));
      const code = a.bytecode && a.bytecode !== '0x' ? hexToBytes(a.bytecode.toLowerCase()) : undefined;
      if (code) await sm.putCode(address, code);
      for (const [slot, value] of Object.entries(a.storage ?? {})) {
        const word = typeof value === 'bigint' ? value : BigInt(value === '0x' ? 0 : value);
        if (word === 0n) continue;
        await sm.putStorage(address, slotBytes(slot), bigintToBytes(word));
      }
    }
    await sm.commit();
    return bytesToHex(await sm.getStateRoot()) as Hash;
  }

  async function executeTx(input: {
    stateRoot: Hash;
    tx: TxInput;
    block: BlockContext;
  }): Promise<ExecuteTxResult> {
    const { stateRoot, block } = input;
    const invalid = (error: InvalidTxReason, from?: Address): ExecuteTxResult => ({
      valid: false,
      stateRoot,
      error,
      ...(from ? { from } : {}),
    });
    const prepared = prepareTx(input.tx, common);
    if ('error' in prepared) return invalid(prepared.error);
    const { tx, from } = prepared;
    const gasLimit = block.gasLimit ?? L2_BLOCK_GAS_LIMIT;
    if (tx.gasLimit < tx.getIntrinsicGas()) return invalid('intrinsic gas too low', from);
    if (tx.gasLimit > gasLimit) return invalid('exceeds block gas limit', from);

    return serial(async () => {
      try {
        return await vmDb.guard(() => executeOnVm(stateRoot, block, tx, from, invalid));
      } catch (err) {
        if (err instanceof UnknownStateRootError) throw err; // the VM was not touched
        // Not the tx's fault (those cases are all checked before it runs): the VM may be mid-transaction, its trie
        // locked or its checkpoints off; a new one takes its place, on no root.
        vmRoot = EMPTY_STATE_ROOT;
        exec = await buildExecutionVm();
        if (err instanceof ExecutionError) throw err;
        throw new ExecutionError(`executing a tx from ${from} failed`, { cause: err });
      }
    });
  }

  /** The body of {@link executeTx} on the execution VM, in the serial queue. */
  async function executeOnVm(
    stateRoot: Hash,
    block: BlockContext,
    tx: LegacyTx,
    from: Address,
    invalid: (error: InvalidTxReason, from?: Address) => ExecuteTxResult,
  ): Promise<ExecuteTxResult> {
    await moveVmTo(stateRoot);
    let sender: Account | undefined;
    try {
      sender = await exec.sm.getAccount(ethAddress(from));
    } catch (err) {
      throw new ExecutionError(`cannot read the sender ${from}`, { cause: err });
    }
    const nonce = sender?.nonce ?? 0n;
    const balance = sender?.balance ?? 0n;
    if (sender && !equalBytes(sender.codeHash, KECCAK256_NULL)) return invalid('sender is not an EOA', from);
    if (tx.nonce < nonce) return invalid('nonce too low', from);
    if (tx.nonce > nonce) return invalid('nonce too high', from);
    if (balance < tx.gasLimit * tx.gasPrice + tx.value)
      return invalid('insufficient funds for gas * price + value', from);

    const result = await runTx(exec.vm, {
      tx,
      block: l2Block(block, common),
      skipBlockGasLimitValidation: true, // checked above against the block's own limit
      skipHardForkValidation: true, // one hardfork for everything
    });
    const newRoot = bytesToHex(await exec.sm.getStateRoot()) as Hash;
    vmRoot = newRoot;
    await dropVmCachesIfFull();
    const vmError = result.execResult.exceptionError?.error;
    const receipt: TxReceipt = {
      status: vmError === undefined ? 1 : 0,
      gasUsed: result.totalGasSpent,
      cumulativeGasUsed: result.totalGasSpent,
      logs: convertLogs(result.execResult.logs),
      logsBloom: bytesToHex(result.bloom.bitvector),
      ...(result.createdAddress && vmError === undefined
        ? { createdAddress: toAddress(result.createdAddress.toString()) }
        : {}),
    };
    return {
      valid: true,
      stateRoot: newRoot,
      receipt,
      from,
      returnValue: bytesToHex(result.execResult.returnValue),
      ...(vmError === undefined ? {} : { vmError }),
    };
  }

  /**
   * VMs for calls, reused: building a VM costs about a millisecond (opcode tables, precompiles), more than a simple
   * call. Each has its own state manager, with caches that absorb the call's writes, over its own write-absorbing
   * overlay of the store; both cleared and the state manager moved to the call's root before each use; one call at
   * a time per VM; a VM whose call threw is dropped.
   */
  const idleCallVms: {
    vm: VM;
    sm: CallStateManager;
    caches: Caches;
    overlay: ReturnType<typeof createOverlayDb>;
  }[] = [];
  const MAX_IDLE_CALL_VMS = 8;
  /** What calls read from the trie ({@link CallReads}), for the calls after them on the same root. */
  const callReads: CallReads['cache'] = createTwoGenerationCache(CALL_READS_ENTRIES, () => 1);

  async function withCallVm<T>(root: Hash, fn: (vm: VM, sm: CallStateManager) => Promise<T>): Promise<T> {
    let entry = idleCallVms.pop();
    if (!entry) {
      const overlay = createOverlayDb(store);
      // A call's writes (nonce, balances, storage, overrides) stay in its caches and never reach the trie.
      const caches = new Caches();
      const sm = new CallStateManager({ common, trie: await openTrie(KECCAK256_RLP, overlay), caches });
      const vm = await createVM({ common, stateManager: sm, ...(blockchain ? { blockchain } : {}) });
      entry = { vm, sm, caches, overlay };
    }
    // The last call's writes are dropped, not flushed into the trie by `setStateRoot` below.
    entry.caches.clear();
    entry.overlay.clear();
    const bytes = rootBytes(root);
    let exists: boolean;
    try {
      exists = await entry.sm.hasStateRoot(bytes);
    } catch (err) {
      throw new ExecutionError(`cannot read state root ${root}`, { cause: err });
    }
    if (!exists) {
      idleCallVms.push(entry);
      throw new UnknownStateRootError(root);
    }
    await entry.sm.setStateRoot(bytes);
    entry.sm.startCall({ cache: callReads, root });
    const result = await fn(entry.vm, entry.sm); // a throw drops the VM: its state manager may be mid-checkpoint
    if (idleCallVms.length < MAX_IDLE_CALL_VMS) idleCallVms.push(entry);
    return result;
  }

  function call(input: CallInput): Promise<CallResult> {
    return withCallVm(input.stateRoot, (callVm, sm) => callOn(callVm, sm, input));
  }

  /** A call that failed before it ran: nothing used, geth's message for why. */
  const failedCall = (vmError: string): CallResult => ({
    status: 0,
    gasUsed: 0n,
    returnValue: '0x',
    logs: [],
    vmError,
  });

  async function callOn(callVm: VM, sm: CallStateManager, input: CallInput): Promise<CallResult> {
    if (input.overrides) {
      sm.startCall(null); // what it reads then is not the root's state
      try {
        await applyOverrides(sm, input.overrides);
      } catch (err) {
        if (err instanceof TypeError) throw err;
        throw new ExecutionError(`cannot apply state overrides at ${input.stateRoot}`, { cause: err });
      }
    }
    // As geth and the reference: the sender must be able to pay what the call moves, value + gas × price (just
    // the value when no price is given), nonce and fee otherwise unchecked.
    const from = input.from ?? '0x0000000000000000000000000000000000000000';
    const sender = ethAddress(from);
    const gasLimit = input.gas ?? input.block.gasLimit ?? L2_BLOCK_GAS_LIMIT;
    const want = (input.value ?? 0n) + gasLimit * (input.gasPrice ?? 0n);
    let senderAccount: Account | undefined;
    try {
      senderAccount = await sm.getAccount(sender);
    } catch (err) {
      throw new ExecutionError(`cannot read the account of ${from} at ${input.stateRoot}`, { cause: err });
    }
    if (want > 0n) {
      const have = senderAccount?.balance ?? 0n;
      if (have < want)
        return failedCall(
          // geth's words, the address EIP-55 checksummed as geth prints it
          `insufficient funds for gas * price + value: address ${checksumAddress(from)} have ${have} want ${want}`,
        );
    }
    const tx = createLegacyTx(
      {
        nonce: 0n,
        gasPrice: input.gasPrice ?? 0n,
        gasLimit,
        ...(input.to ? { to: input.to } : {}),
        value: input.value ?? 0n,
        data: hexToBytes(input.data ?? '0x'),
      },
      { common, freeze: false, params: PARAMS_MERGED },
    );
    setKnownSender(tx, from);
    // runTx throws for it; a failed call instead, in geth's words, checked after the funds as geth does.
    const intrinsic = tx.getIntrinsicGas();
    if (gasLimit < intrinsic) return failedCall(`intrinsic gas too low: have ${gasLimit}, want ${intrinsic}`);
    // A call may come from any address, one with code too (a contract, or code set by an override), as geth's
    // and the reference's calls may: runTx refuses such a sender (EIP-3607) and has no option to skip that check.
    if (senderAccount && !equalBytes(senderAccount.codeHash, KECCAK256_NULL))
      sm.passSenderCheck(sender, senderAccount.codeHash);
    let result: RunTxResult;
    try {
      result = await runTx(callVm, {
        tx,
        block: l2Block(input.block, common),
        skipNonce: true,
        skipBalance: true,
        skipBlockGasLimitValidation: true,
        skipHardForkValidation: true,
      });
    } catch (err) {
      throw new ExecutionError('eth_call failed', { cause: err });
    }
    const vmError = result.execResult.exceptionError?.error;
    return {
      status: vmError === undefined ? 1 : 0,
      gasUsed: result.totalGasSpent,
      returnValue: bytesToHex(result.execResult.returnValue),
      logs: convertLogs(result.execResult.logs),
      ...(vmError === undefined ? {} : { vmError }),
    };
  }

  async function traceTx(input: TraceTxInput): Promise<TracedTx> {
    // The trace VM has no caches: its storage writes go through the trie, where a failed read would hang the trace
    // and escape as an unhandled rejection (see createGuardedDb).
    const guarded = createGuardedDb(createOverlayDb(store));
    try {
      return await guarded.guard(() => traceOn(input, guarded.db));
    } catch (err) {
      if (err instanceof ExecutionError || err instanceof UnknownStateRootError) throw err;
      throw new ExecutionError(`cannot trace a tx at ${input.stateRoot}`, { cause: err });
    }
  }

  /** {@link traceTx} over `db`, a write-absorbing overlay of the store. */
  async function traceOn(input: TraceTxInput, db: TrieNodeDb): Promise<TracedTx> {
    const sm = await stateAt(input.stateRoot, db);
    const traceVm = await createVM({ common, stateManager: sm, ...(blockchain ? { blockchain } : {}) });
    const block = l2Block(input.block, common);
    const replay = async (txInput: TxInput) => {
      const prepared = prepareTx(txInput, common);
      if ('error' in prepared)
        throw new ExecutionError('cannot replay a tx', { cause: new Error(prepared.error) });
      try {
        const result = await runTx(traceVm, {
          tx: prepared.tx,
          block,
          skipBlockGasLimitValidation: true,
          skipHardForkValidation: true,
        });
        return { result, gasLimit: prepared.tx.gasLimit };
      } catch (err) {
        throw new ExecutionError(`replaying a tx from ${prepared.from} failed`, { cause: err });
      }
    };
    for (const tx of input.before ?? []) await replay(tx);

    const events = traceVm.evm.events;
    if (!events)
      throw new ExecutionError('cannot trace', { cause: new TypeError('the EVM emits no events') });
    const { hooks } = input;
    let hookError: unknown;
    const fail = (err: unknown) => {
      hookError ??= err;
    };
    // Two parameters: the EVM awaits `resolve` before it runs the opcode.
    const onStep = (step: InterpreterStep, resolve?: (result?: unknown) => void) => {
      void new Promise<void>((ok) => ok(hooks.step(step))).then(
        () => resolve?.(),
        (err: unknown) => {
          fail(err);
          resolve?.();
        },
      );
    };
    const onEnter = (message: Message) => {
      try {
        hooks.enter(message);
      } catch (err) {
        fail(err);
      }
    };
    const onExit = (result: EVMResult) => {
      try {
        hooks.exit(result);
      } catch (err) {
        fail(err);
      }
    };
    events.on('step', onStep);
    events.on('beforeMessage', onEnter);
    events.on('afterMessage', onExit);
    let traced: Awaited<ReturnType<typeof replay>>;
    try {
      traced = await replay(input.tx);
    } finally {
      events.off('step', onStep);
      events.off('beforeMessage', onEnter);
      events.off('afterMessage', onExit);
    }
    if (hookError !== undefined) throw new ExecutionError('a tracer failed', { cause: hookError });
    const { result, gasLimit } = traced;
    const vmError = result.execResult.exceptionError?.error;
    return {
      status: vmError === undefined ? 1 : 0,
      gasUsed: result.totalGasSpent,
      gasLimit,
      returnValue: bytesToHex(result.execResult.returnValue),
      logs: convertLogs(result.execResult.logs),
      ...(vmError === undefined ? {} : { vmError }),
    };
  }

  const executor: Executor = {
    chainId,
    genesisRoot: opts.genesis ? await applyGenesis(opts.genesis) : undefined,
    applyGenesis,
    executeTx,
    call,
    traceTx,
    async getAccount(stateRoot, address) {
      // The state under a root never changes: an account read at a root is cached for good (bounded).
      const key = `${stateRoot}${address}`.toLowerCase();
      const cached = accountCache.get(key);
      if (cached) return cached;
      const info = await reading(stateRoot, async (sm) => {
        const account = await sm.getAccount(ethAddress(address));
        return Object.freeze(
          account
            ? {
                nonce: account.nonce,
                balance: account.balance,
                codeHash: bytesToHex(account.codeHash) as Hash,
                storageRoot: bytesToHex(account.storageRoot) as Hash,
              }
            : { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH, storageRoot: EMPTY_STATE_ROOT },
        );
      });
      accountCache.set(key, info);
      return info;
    },
    getStorage: (stateRoot, address, slot) => {
      const key = slotBytes(slot);
      return reading(stateRoot, async (sm) => bytesToBigInt(await sm.getStorage(ethAddress(address), key)));
    },
    getCode: (stateRoot, address) =>
      reading(stateRoot, async (sm) => bytesToHex(await sm.getCode(ethAddress(address)))),
    getProof: (stateRoot, address, slots = []) => {
      const keys = slots.map(slotBytes);
      return reading(stateRoot, async (sm) => {
        const proof = await getMerkleStateProof(sm, ethAddress(address), keys);
        return {
          address: toAddress(address),
          balance: BigInt(proof.balance),
          nonce: BigInt(proof.nonce),
          codeHash: proof.codeHash as Hash,
          storageHash: proof.storageHash as Hash,
          accountProof: proof.accountProof as Hex[],
          storageProof: proof.storageProof.map((p, i) => ({
            key: bytesToHex(keys[i]!) as Hash,
            value: BigInt(p.value),
            proof: p.proof as Hex[],
          })),
        };
      });
    },
    vmCacheStats: () => ({
      accounts: exec.caches.account?.size() ?? 0,
      storageAccounts: exec.caches.storage?.size() ?? 0,
      codes: exec.caches.code?.size() ?? 0,
      writes: vmCacheIntake(),
    }),
    async hasStateRoot(stateRoot) {
      const bytes = rootBytes(stateRoot);
      try {
        return await (await openTrie(bytes)).checkRoot(bytes);
      } catch (err) {
        throw new ExecutionError(`cannot read state root ${stateRoot}`, { cause: err });
      }
    },
  };
  return executor;
}

/**
 * Accounts (their RLP, null: absent) and storage slots (the stored RLP) calls read from the trie, keyed by the
 * root they were read at: a root's state never changes.
 */
type CallReads = {
  cache: ReturnType<typeof createTwoGenerationCache<Uint8Array | null>>;
  root: Hash;
};
/** Reads kept for calls, over all roots (two generations of half each). */
const CALL_READS_ENTRIES = 200_000;
/** RLP of an empty slot value. */
const RLP_EMPTY = Uint8Array.of(0x80);

/**
 * The state manager of `eth_call`: its writes stay in its caches (unbounded ordered maps, read before the trie)
 * and are dropped after the call, so `flush` — run when a tx's outermost checkpoint commits, hashing every written
 * account and slot into trie nodes — has nothing to do. It never answers a state root.
 *
 * What a call reads from the trie, the next calls on the same root take from {@link CallReads} instead of walking
 * and decoding trie nodes again. Not for a call with state overrides (its reads are not the root's), nor for an
 * account whose storage the call cleared (a CREATE over it).
 */
class CallStateManager extends MerkleStateManager {
  private reads: CallReads | null = null;
  private cleared = new Set<string>();
  /** A sender with code the next `runTx` takes for an EOA (see {@link passSenderCheck}). */
  private senderCheck: { address: string; codeHash: Uint8Array; shown: boolean } | null = null;

  /** Before each call, after `setStateRoot`: the reads shared at its root, or null to share none. */
  startCall(reads: CallReads | null): void {
    this.reads = reads;
    this.cleared.clear();
    this.senderCheck = null;
  }

  /**
   * Lets the next `runTx` from `address`, an account with code (`codeHash`), through @ethereumjs's EIP-3607 check
   * (`invalid sender address, address is not EOA`): it binds txs, not calls (geth's skip it). That check is runTx's first
   * read of the sender: this read alone shows the account without code. runTx then writes that same account back
   * (fee, nonce): that first write gets the code hash back, so the code stays for the call — a call to itself, or
   * EXTCODE* on it, sees it.
   */
  passSenderCheck(address: EthAddress, codeHash: Uint8Array): void {
    this.senderCheck = { address: address.toString(), codeHash, shown: false };
  }

  override async flush(): Promise<void> {}

  override async putAccount(address: EthAddress, account: Account | undefined): Promise<void> {
    const check = this.senderCheck;
    if (check?.shown && account && address.toString() === check.address) {
      this.senderCheck = null;
      account.codeHash = check.codeHash; // runTx's own account object, which it writes again after this
    }
    return super.putAccount(address, account);
  }

  override async getAccount(address: EthAddress): Promise<Account | undefined> {
    const check = this.senderCheck;
    if (check && !check.shown && address.toString() === check.address) {
      check.shown = true;
      const account = await this.readAccount(address);
      if (account) account.codeHash = KECCAK256_NULL; // a copy: the cache keeps the code hash
      return account;
    }
    return this.readAccount(address);
  }

  private async readAccount(address: EthAddress): Promise<Account | undefined> {
    const reads = this.reads;
    if (reads && this._caches?.account?.get(address) === undefined) {
      const key = `${reads.root}a${address.toString()}`;
      let rlp = reads.cache.get(key);
      if (rlp === undefined) {
        rlp = await this._trie.get(address.bytes);
        reads.cache.set(key, rlp);
      }
      this._caches?.account?.put(address, rlp === null ? undefined : createAccountFromRLP(rlp));
    }
    return super.getAccount(address);
  }

  override async getStorage(address: EthAddress, key: Uint8Array): Promise<Uint8Array> {
    const reads = this.reads;
    const owner = address.toString();
    if (
      !reads ||
      key.length !== 32 ||
      this.cleared.has(owner) ||
      this._caches?.storage?.get(address, key) !== undefined
    )
      return super.getStorage(address, key);
    const slot = `${reads.root}s${owner}${bytesToHex(key).slice(2)}`;
    let stored = reads.cache.get(slot);
    if (stored == null) {
      const account = await this.getAccount(address);
      if (!account) return new Uint8Array();
      stored = (await this._getStorageTrie(address, account).get(key)) ?? RLP_EMPTY;
      reads.cache.set(slot, stored);
    }
    this._caches?.storage?.put(address, key, stored);
    return RLP.decode(stored) as Uint8Array;
  }

  override async clearStorage(address: EthAddress): Promise<void> {
    this.cleared.add(address.toString());
    await super.clearStorage(address);
  }
}

/**
 * Writes `overrides` into `sm` (account fields, code, storage replaced or patched).
 * @throws {TypeError} when an account sets both `state` and `stateDiff`, or a slot is not a word.
 */
async function applyOverrides(sm: MerkleStateManager, overrides: StateOverrides): Promise<void> {
  for (const [address, o] of Object.entries(overrides)) {
    if (o.state !== undefined && o.stateDiff !== undefined)
      throw new TypeError(`account ${address} has both state and stateDiff overrides`);
    const a = ethAddress(address);
    const account = (await sm.getAccount(a)) ?? new Account();
    if (o.nonce !== undefined) account.nonce = o.nonce;
    if (o.balance !== undefined) account.balance = o.balance;
    await sm.putAccount(a, account);
    if (o.code !== undefined) await sm.putCode(a, hexToBytes(o.code.toLowerCase()));
    if (o.state !== undefined) await sm.clearStorage(a);
    for (const [slot, value] of Object.entries(o.state ?? o.stateDiff ?? {})) {
      await sm.putStorage(a, slotBytes(slot), bigintToBytes(value));
    }
  }
}

type PreparedTx = { tx: LegacyTx; from: Address } | { error: InvalidTxReason };

/** Builds the VM's tx object; recovers the sender only when the caller did not. Pure. */
function prepareTx(input: TxInput, common: Common): PreparedTx {
  if (input instanceof Uint8Array || typeof input === 'string') {
    let tx: LegacyTx;
    try {
      const raw = typeof input === 'string' ? hexToBytes(input) : input;
      const fields = RLP.decode(raw);
      if (!Array.isArray(fields) || fields.length !== 9 || !fields.every((f) => f instanceof Uint8Array))
        return { error: 'invalid transaction' }; // typed txs and malformed lists
      const chainError = checkV(bytesToBigInt(fields[6] as Uint8Array), common.chainId());
      if (chainError) return { error: chainError };
      tx = createLegacyTxFromBytesArray(fields as Uint8Array[], { common, params: PARAMS_MERGED });
    } catch {
      return { error: 'invalid transaction' };
    }
    try {
      return { tx, from: toAddress(tx.getSenderAddress().toString()) };
    } catch {
      return { error: 'invalid sender' };
    }
  }
  if (input.from === null) return { error: 'invalid sender' };
  const chainError = checkV(input.v, common.chainId());
  if (chainError) return { error: chainError };
  let tx: LegacyTx;
  try {
    tx = createLegacyTx(
      {
        nonce: input.nonce,
        // The price the tx pays (the ROM's `txGasPrice`); the sender is known, so the signature is not checked
        // against these fields.
        gasPrice:
          input.effectivePercentage === undefined
            ? input.gasPrice
            : effectiveGasPrice(input.gasPrice, input.effectivePercentage),
        gasLimit: input.gas,
        ...(input.to ? { to: input.to } : {}),
        value: input.value,
        data: hexToBytes(input.data),
        v: input.v,
        r: input.r,
        s: input.s,
      },
      { common, freeze: false, params: PARAMS_MERGED },
    );
  } catch {
    return { error: 'invalid transaction' };
  }
  const from = toAddress(input.from);
  setKnownSender(tx, from);
  return { tx, from };
}

/** Chain-id rule of the pool: v 27/28 (pre-155) or chainId·2+35/36 for this chain. */
function checkV(v: bigint, chainId: bigint): InvalidTxReason | undefined {
  if (v === 27n || v === 28n) return undefined;
  if (v < 35n) return 'invalid sender';
  return (v - 35n) / 2n === chainId ? undefined : 'invalid chain id';
}

/** Skips signature recovery: the VM asks the tx for its sender, and we already know it. */
function setKnownSender(tx: LegacyTx, from: Address): void {
  const sender = ethAddress(from);
  (tx as { getSenderAddress: () => EthAddress }).getSenderAddress = () => sender;
}

function l2Block(block: BlockContext, common: Common) {
  return createBlock(
    {
      header: {
        number: block.number,
        timestamp: block.timestamp,
        coinbase: block.coinbase,
        gasLimit: block.gasLimit ?? L2_BLOCK_GAS_LIMIT,
        ...(block.parentHash ? { parentHash: block.parentHash } : {}),
        difficulty: 0n,
        baseFeePerGas: 0n,
      },
    },
    { common, params: PARAMS_MERGED, skipConsensusFormatValidation: true },
  );
}

function createBlockHashSource(getBlockHash: (n: bigint) => Promise<Hash>): EVMMockBlockchainInterface {
  const source: EVMMockBlockchainInterface = {
    getBlock: async (n: number) => {
      const hash = hexToBytes(await getBlockHash(BigInt(n)));
      return { hash: () => hash };
    },
    putBlock: async () => {},
    shallowCopy: () => source,
  };
  return source;
}

/**
 * A node DB over `base` for a VM that must survive a failing read. @ethereumjs's trie and state manager do not: a
 * read that throws under the trie's `put`/`del` leaves the trie's lock taken (every later write on it waits
 * forever), and a storage write runs inside a promise executor, so its failure escapes as an unhandled rejection
 * and the write never settles. Inside `guard(run)` a failed read instead parks the run (the read never settles;
 * the parked run is garbage once dropped) and `guard` rejects with the read's error, so the caller can drop the VM
 * and report a normal error. Outside `guard` a failed read throws as usual.
 */
export function createGuardedDb(base: TrieNodeDb): {
  db: TrieNodeDb;
  guard<T>(run: () => Promise<T>): Promise<T>;
} {
  let fail: ((err: unknown) => void) | undefined;
  const db: TrieNodeDb = {
    // No async frame of its own: this is on every trie read of the execution VM.
    get: (key) =>
      base.get(key).catch((err: unknown) => {
        if (!fail) throw err;
        fail(err);
        return new Promise<never>(() => {});
      }),
    put: (key, value) => base.put(key, value),
    del: (key) => base.del(key),
    batch: (ops) => base.batch(ops),
    shallowCopy: () => db,
    open: async () => {},
  };
  return {
    db,
    async guard(run) {
      let failed: (err: unknown) => void = () => {};
      const failure = new Promise<never>((_, reject) => {
        failed = reject;
      });
      fail = (err) => failed(err);
      try {
        return await Promise.race([run(), failure]);
      } finally {
        fail = undefined;
      }
    },
  };
}

/** A DB that reads through to `base` and keeps its own writes, so a simulation leaves the store untouched. */
/**
 * A node DB that keeps every write to itself and reads through to `base` what it does not hold: execution over it
 * never changes `base` (calls, traces, witnesses, stateless re-execution). `clear()` forgets the writes.
 */
export function createOverlayDb(base: Pick<TrieNodeDb, 'get'>): TrieNodeDb & { clear(): void } {
  const local = new Map<string, string | Uint8Array>();
  const db: TrieNodeDb & { clear(): void } = {
    clear: () => local.clear(),
    get: async (key) => local.get(key) ?? base.get(key),
    put: async (key, value) => {
      local.set(key, value);
    },
    del: async () => {},
    batch: async (ops) => {
      for (const op of ops) if (op.type === 'put') local.set(op.key, op.value);
    },
    shallowCopy: () => db,
    open: async () => {},
  };
  return db;
}

function convertLogs(logs: RunTxResult['execResult']['logs']): Log[] {
  return (logs ?? []).map(([address, topics, data]) => ({
    address: bytesToHex(address) as Address,
    topics: topics.map((t) => bytesToHex(t) as Hash),
    data: bytesToHex(data),
  }));
}

function ethAddress(address: string): EthAddress {
  return new EthAddress(hexToBytes(address.toLowerCase()));
}

function rootBytes(root: Hash): Uint8Array {
  const bytes = hexToBytes(root.toLowerCase());
  if (bytes.length !== 32) throw new TypeError(`a state root is 32 bytes, got ${root}`);
  return bytes;
}

/** A storage slot as the 32-byte key the trie expects. */
function slotBytes(slot: Hex | string | bigint): Uint8Array {
  if (typeof slot === 'bigint') return setLengthLeft(bigintToBytes(slot), 32);
  const hex = slot.slice(2);
  if (!/^0x[0-9a-fA-F]{1,64}$/.test(slot))
    throw new TypeError(`a storage slot is at most 32 bytes of hex: ${slot}`);
  return hexToBytes(`0x${hex.padStart(64, '0')}`);
}

function bigintToBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array();
  const hex = value.toString(16);
  return hexToBytes(`0x${hex.length % 2 ? '0' : ''}${hex}`);
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs tasks one at a time, in call order. */
function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => {});
    return run;
  };
}
