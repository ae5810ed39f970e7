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
  stateAfterBatch,
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

t('ResetTrustedState rewinds to the kept batch and tip; the chain goes on from them', () => {
  let events = then([], open);
  events = then(events, seal(h(100), '0xaa'));
  events = then(events, {
    type: 'CloseBatch',
    data: { reason: 'timeout', batchL2Data: '0xaa', accInputHash: h(9) },
  });
  const kept = foldL2([GENESIS_EVENT!, ...events]);
  if (kept.status === 'empty') throw new Error('unreachable');
  events = then(events, { ...open, data: { ...open.data, timestamp: 1_700_000_005n } });
  events = then(events, seal(h(200), '0xbb'));
  events = then(events, {
    type: 'CloseBatch',
    data: { reason: 'timeout', batchL2Data: '0xbb', accInputHash: h(19) },
  });
  events = then(events, { ...open, data: { ...open.data, timestamp: 1_700_000_009n } });
  events = then(events, seal(h(300), '0xcc'));
  // batch 3 open with block 3: undo batches 2 and 3
  const reset = run(events, {
    type: 'ResetTrustedState',
    data: { to: { batch: kept.lastBatch, tip: kept.tip }, reason: 'L1 sequenced another batch 2' },
  });
  assert.equal(reset, [
    {
      type: 'TrustedStateReset',
      data: {
        toBatch: '1',
        toBlock: '1',
        reason: 'L1 sequenced another batch 2',
        toBlockHash: kept.tip.hash,
        stateRoot: h(100),
        accInputHash: h(9),
        timestamp: '1700000000',
        lastForcedBatch: '0',
      },
    },
  ]);
  const after = foldL2([GENESIS_EVENT!, ...events, ...reset]);
  assert.equal(after, kept);
  // the next batch is 2 again, from batch 1's roots; its block is 2, child of block 1
  const again = [...events, ...reset];
  const [opened] = run(again, open);
  assert.is(opened?.data['batchNumber' as never], '2');
  const [block] = run([...again, opened!], seal(h(400), '0xdd'));
  assert.is((block as L2BlockSealed).data.number, '2');
  assert.is((block as L2BlockSealed).data.parentHash, kept.tip.hash);
  // refused: a batch or block ahead of the chain, a batch whose root is not its tip's
  const ahead = { ...kept.lastBatch, number: 9n };
  for (const [to, re] of [
    [{ batch: ahead, tip: kept.tip }, /cannot reset to batch 9/],
    [{ batch: kept.lastBatch, tip: { ...kept.tip, number: 9n } }, /cannot reset to L2 block 9/],
    [{ batch: { ...kept.lastBatch, stateRoot: h(5) }, tip: kept.tip }, /is not its last block's/],
  ] as const) {
    assert.throws(
      () => run(events, { type: 'ResetTrustedState', data: { to, reason: 'x' } }),
      (e: unknown) => e instanceof IllegalStateError && re.test(e.message),
    );
  }
});

t(
  'stateAfterBatch reads the state after a batch closed from the newest events, across resets and empty batches',
  () => {
    const all: L2Event[] = [GENESIS_EVENT!];
    /** The state after each batch closed, in the current chain. */
    const after = new Map<bigint, { batch: unknown; tip: unknown }>();
    const apply = (command: L2Command) => {
      const events = decide(command, foldL2(all));
      all.push(...events);
      const s = foldL2(all);
      if (s.status === 'empty') throw new Error('unreachable');
      if (command.type === 'CloseBatch' || command.type === 'ResetTrustedState') {
        for (const n of after.keys()) if (n > s.lastBatch.number) after.delete(n);
        after.set(s.lastBatch.number, { batch: s.lastBatch, tip: s.tip });
      }
    };
    const close = (data: Hex) =>
      apply({
        type: 'CloseBatch',
        data: { reason: 'timeout', batchL2Data: data, accInputHash: h(all.length) },
      });
    let ts = 1_700_000_000n;
    const openNext = () => apply({ ...open, data: { ...open.data, timestamp: ts++ } });
    openNext();
    apply(seal(h(100), '0xaa'));
    close('0xaa'); // batch 1: block 1
    openNext();
    close('0x'); // batch 2: empty, tip still block 1
    openNext();
    apply(seal(h(101), '0xbb'));
    apply(seal(h(102), '0xcc'));
    close('0xbbcc'); // batch 3: blocks 2, 3
    const to = after.get(1n) as { batch: never; tip: never };
    apply({ type: 'ResetTrustedState', data: { to, reason: 'x' } });
    openNext();
    close('0x'); // batch 2 again: empty after the reset (the tip comes from the reset)
    openNext();
    apply(seal(h(200), '0xdd'));
    close('0xdd'); // batch 3 again: block 2'
    const newestFirst = [...all].reverse();
    for (const [n, expected] of after) assert.equal(stateAfterBatch(newestFirst, n), expected, `batch ${n}`);
    assert.equal([...after.keys()], [1n, 2n, 3n]); // batch 0 is the genesis: checked below
    assert.equal(stateAfterBatch(newestFirst, 0n), {
      batch: { number: 0n, stateRoot: GENESIS.stateRoot, accInputHash: h(0), timestamp: 0n, lastForced: 0n },
      tip: { number: 0n, hash: GENESIS.blockHash, stateRoot: GENESIS.stateRoot },
    });
    assert.is(stateAfterBatch(newestFirst, 4n), null);
  },
);

t.run();
