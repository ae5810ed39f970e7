/**
 * Execution: the EVM and the state it runs on (DESIGN §5, §6).
 *
 * Invariants:
 * - State is an Ethereum Merkle-Patricia trie addressed by root; nodes are content-addressed and never deleted,
 *   so every root ever produced stays readable (archive).
 * - Execution is a pure function of (state root, tx, block): London rules, zero base fee, fees to the coinbase;
 *   invalid txs change nothing. Its only effect is new nodes buffered in the trie store, which must be flushed
 *   (`TrieStore.flush`) before the event naming the new root is appended.
 * - Readers (pool, RPC) see state through an `AccountReader` or the executor's root-addressed reads.
 * - Tracing (`trace.ts`, `debug_traceTransaction`) replays a mined tx with a tracer's hooks on the EVM
 *   (`Executor.traceTx`) on a private overlay of the store: it never writes a node.
 * - Witnesses (`witness.ts`) record what batches read from the old state; a prover re-executes on them alone.
 */
export {
  type AccountReader,
  type AccountState,
  createGenesisAccountReader,
  createStateAccountReader,
  type GenesisAccount,
  type StateReader,
} from './accounts.ts';
export {
  type AccountInfo,
  type AccountOverride,
  type AccountProof,
  type BlockContext,
  type CallInput,
  type CallResult,
  createExecutor,
  createL2Common,
  type DecodedLegacyTxInput,
  EMPTY_CODE_HASH,
  EMPTY_STATE_ROOT,
  type EvmTraceHooks,
  type ExecuteTxResult,
  ExecutionError,
  type Executor,
  type ExecutorOptions,
  type GenesisAllocation,
  type InvalidTxReason,
  type Log,
  type StateOverrides,
  type TracedTx,
  type TraceTxInput,
  type TrieNodeDb,
  type TxInput,
  type TxReceipt,
  UnknownStateRootError,
} from './executor.ts';
export { runTrace, type TraceRequest, type TracerChoice } from './run-trace.ts';
export {
  type CallFrame,
  type CallFrameType,
  type CallLog,
  type CallTracerConfig,
  createCallTracer,
  createStructLogger,
  DEFAULT_STRUCT_LOG_LIMIT,
  decodeRevertReason,
  gethHaltMessage,
  type StructLog,
  type StructLoggerConfig,
  type StructLoggerResult,
  StructLogLimitError,
  SUPPORTED_TRACERS,
  type TracerName,
  type TxTracer,
} from './trace.ts';
export {
  createTrieStore,
  ensureTrieStoreSchema,
  STATE_SCHEMA,
  type TrieStore,
  TrieStoreError,
  type TrieStoreOptions,
  type TrieStoreStats,
  type TrieValue,
} from './trie-store.ts';
export {
  type BatchesResult,
  buildWitness,
  executeStateless,
  type Witness,
  type WitnessBatch,
  WitnessError,
} from './witness.ts';
