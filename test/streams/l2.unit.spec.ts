import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IllegalStateError } from '../../src/errors/index.ts';
import { l2BlockHash } from '../../src/l2/index.ts';
import type { Hash, Hex } from '../../src/primitives/index.ts';
import {
  decide,
  foldL2,
  genesisBlockHash,
  initialState,
  type L2BlockSealed,
  type L2Command,
  type L2Event,
  type SealL2Block,
} from '../../src/streams/l2/index.ts';

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;
const [GENESIS_EVENT] = decide(
  { type: 'CreateGenesis', data: { stateRoot: h(1), timestamp: 0n } },
  initialState(),
);
const GENESIS = GENESIS_EVENT!.data as { stateRoot: Hash; blockHash: Hash };
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as const;
const open: L2Command = {
  type: 'OpenBatch',
  data: { timestamp: 1_700_000_000n, coinbase: COINBASE, globalExitRoot: h(0) },
};
const seal = (stateRoot: Hash, blob: Hex): SealL2Block => ({
  type: 'SealL2Block',
  data: {
    stateRoot,
    transactionsRoot: h(10),
    receiptsRoot: h(11),
    logsBloom: `0x${'00'.repeat(256)}`,
    gasLimit: '30000000',
    gasUsed: '21000',
    tx: {
      hash: h(20),
      from: COINBASE,
      nonce: '0',
      gasPrice: '1',
      gas: '21000',
      to: COINBASE,
      value: '1',
      data: '0x',
      chainId: '1001',
      v: '2037',
      r: h(3),
      s: h(4),
      batchBlob: blob,
    },
    receipt: {
      status: 1,
      gasUsed: '21000',
      cumulativeGasUsed: '21000',
      contractAddress: null,
      logs: [],
      logsBloom: `0x${'00'.repeat(256)}`,
      effectiveGasPrice: '1',
    },
  },
});
const run = (events: L2Event[], command: L2Command) => decide(command, foldL2([GENESIS_EVENT!, ...events]));
const then = (events: L2Event[], command: L2Command) => [...events, ...run(events, command)];

const t = suite('l2 stream decider');

t('when closed: OpenBatch → BatchOpened numbered after the last batch, from its roots', () => {
  const [opened] = run([], open);
  assert.equal(opened, {
    type: 'BatchOpened',
    data: {
      batchNumber: '1',
      timestamp: '1700000000',
      coinbase: COINBASE,
      globalExitRoot: h(0),
      oldStateRoot: GENESIS.stateRoot,
      oldAccInputHash: h(0),
    },
  });
});

t('when open: blocks are numbered from the tip, linked to it, hashed from their header', () => {
  let events = then([], open);
  events = then(events, seal(h(100), '0xaa'));
  events = then(events, seal(h(101), '0xbbcc'));
  const [b1, b2] = events.slice(1) as L2BlockSealed[];
  assert.is(b1!.data.number, '1');
  assert.is(b1!.data.parentHash, GENESIS.blockHash);
  assert.is(b2!.data.number, '2');
  assert.is(b2!.data.parentHash, b1!.data.hash);
  assert.is(b2!.data.timestamp, '1700000000');
  assert.is(
    b2!.data.hash,
    l2BlockHash({
      parentHash: b1!.data.hash,
      coinbase: COINBASE,
      stateRoot: h(101),
      transactionsRoot: h(10),
      receiptsRoot: h(11),
      logsBloom: `0x${'00'.repeat(256)}`,
      number: 2n,
      gasLimit: 30_000_000n,
      gasUsed: 21_000n,
      timestamp: 1_700_000_000n,
      extraData: '0x',
    }),
  );
});

t('CloseBatch carries the tip state root and checks batchL2Data against the sealed blocks', () => {
  let events = then([], open);
  events = then(events, seal(h(100), '0xaa'));
  events = then(events, seal(h(101), '0xbbcc'));
  assert.throws(
    () =>
      run(events, {
        type: 'CloseBatch',
        data: { reason: 'timeout', batchL2Data: '0xaa', accInputHash: h(9) },
      }),
    (e: unknown) => e instanceof IllegalStateError && /does not match/.test(e.message),
  );
  const [closed] = run(events, {
    type: 'CloseBatch',
    data: { reason: 'timeout', batchL2Data: '0xaabbcc', accInputHash: h(9) },
  });
  assert.equal(closed?.data, {
    batchNumber: '1',
    reason: 'timeout',
    stateRoot: h(101),
    batchL2Data: '0xaabbcc',
    accInputHash: h(9),
    globalExitRoot: h(0),
    timestamp: '1700000000',
    coinbase: COINBASE,
    firstBlock: '1',
    lastBlock: '2',
  });
  // the next batch starts from it
  const next = then([...events, closed!], open);
  assert.is(
    (next.at(-1) as { data: { batchNumber: string; oldStateRoot: string; oldAccInputHash: string } }).data
      .batchNumber,
    '2',
  );
  assert.is((next.at(-1) as { data: { oldStateRoot: string } }).data.oldStateRoot, h(101));
  assert.is((next.at(-1) as { data: { oldAccInputHash: string } }).data.oldAccInputHash, h(9));
});

t('an empty batch closes with no blocks', () => {
  const events = then([], open);
  const [closed] = run(events, {
    type: 'CloseBatch',
    data: { reason: 'timeout', batchL2Data: '0x', accInputHash: h(9) },
  });
  assert.is((closed as { data: { firstBlock: null } }).data.firstBlock, null);
});

t('genesis: block 0 hash from the genesis root; created once; nothing before it', () => {
  assert.is(GENESIS.blockHash, genesisBlockHash(h(1), 0n));
  const isIllegal = (e: unknown) => e instanceof IllegalStateError;
  assert.throws(
    () => run([], { type: 'CreateGenesis', data: { stateRoot: h(1), timestamp: 0n } }),
    isIllegal,
  );
  assert.throws(() => decide(open, initialState()), isIllegal);
});

t('illegal commands are refused', () => {
  const isIllegal = (e: unknown) => e instanceof IllegalStateError;
  assert.throws(() => run([], seal(h(1), '0xaa')), isIllegal);
  assert.throws(
    () => run([], { type: 'CloseBatch', data: { reason: 'timeout', batchL2Data: '0x', accInputHash: h(9) } }),
    isIllegal,
  );
  assert.throws(() => run(then([], open), open), isIllegal);
});

t(
  'forced batches: in order, not before they were forced, their bytes as forced; the chain counts them',
  () => {
    const forcedOpen = (
      n: bigint,
      timestamp = 1_700_000_000n,
      minForcedTimestamp = 1_699_999_000n,
    ): L2Command => ({
      type: 'OpenBatch',
      data: {
        timestamp,
        coinbase: COINBASE,
        globalExitRoot: h(7),
        forced: { forcedBatchNumber: n, minForcedTimestamp },
      },
    });
    assert.throws(
      () => run([], forcedOpen(2n)),
      (e: unknown) =>
        e instanceof IllegalStateError &&
        /forced batch 2 cannot come before forced batch 1/.test((e as Error).message),
    );
    assert.throws(() => run([], forcedOpen(1n, 10n, 20n)), /must not be before the time it was forced/);
    let events = then([], forcedOpen(1n));
    assert.equal((events[0] as { data: Record<string, unknown> }).data['forcedBatchNumber'], '1');
    assert.equal((events[0] as { data: Record<string, unknown> }).data['minForcedTimestamp'], '1699999000');
    events = then(events, seal(h(40), '0xaa'));
    // The forced bytes hold more than the blocks (an invalid tx): accepted for a forced batch only.
    events = then(events, {
      type: 'CloseBatch',
      data: { reason: 'forced_batch', batchL2Data: '0xaabb', accInputHash: h(9) },
    });
    const state = foldL2([GENESIS_EVENT!, ...events]);
    assert.is(state.status === 'closed' && state.lastBatch.lastForced, 1n);
    assert.throws(() => run(events, forcedOpen(1n)), /forced batch 1 cannot come before forced batch 2/);
    // A sequencer batch still has to be exactly its blocks.
    const normal = then(then(events, open), seal(h(41), '0xcc'));
    assert.throws(
      () =>
        run(normal, {
          type: 'CloseBatch',
          data: { reason: 'timeout', batchL2Data: '0xccdd', accInputHash: h(9) },
        }),
      /does not match its sealed blocks/,
    );
  },
);

t.run();
