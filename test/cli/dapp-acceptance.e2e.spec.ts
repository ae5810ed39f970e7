/**
 * Acceptance test of `lev start --dev --roles rpc,sequencer` as a dapp developer uses it, with ethers v6 and viem
 * (neither told to use legacy txs: blocks carry no baseFeePerGas, so both fall back by themselves), on a Solidity
 * contract compiled with solc-js: deploy with constructor arguments, transact, read the view, get events from
 * eth_getLogs and from WebSocket subscriptions, get revert reasons and custom errors from eth_call and
 * eth_estimateGas; every block agrees with its receipt and with an independently computed tx trie root, logs bloom
 * and receipts root; eth_getProof verifies against the blocks' state roots and balances at every block follow the
 * txs. Then kill -9 of the node and its Postgres, a restart on the same data dir and ports, and everything served
 * before the crash is served again, equal, and the next tx is mined on top of the last block.
 *
 * One tx per L2 block and no empty blocks: block n (n ≥ 1) holds the n-th tx this file sent.
 */
import { rmSync } from 'node:fs';
import {
  AbiCoder,
  Contract,
  ContractFactory,
  type ContractTransactionResponse,
  HDNodeWallet,
  isError,
  JsonRpcProvider,
  keccak256,
  type Log,
  type TransactionReceipt,
  type TransactionResponse,
} from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAbiItem,
  http,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { BOARD_TOTAL_SLOT, compileBoard } from '../support/board-contract.ts';
import {
  logsBloom,
  orderedTrieRoot,
  type RpcReceiptFields,
  type RpcTxFields,
  receiptBytes,
  signedTxBytes,
  verifyAccountProof,
  verifyStorageProof,
} from '../support/chain-proofs.ts';
import {
  crashWithPostgres,
  freePort,
  type LevProcess,
  postmasterPid,
  rpc,
  runLev,
  tempDataDir,
} from '../support/node-process.ts';
import { openRawSocket, TrackedWebSocketProvider, trackedWebSocket } from '../support/ws-subscriptions.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
/** Dev accounts #5 and #6 are left for tests (DESIGN §9); #0 is the coinbase. */
const ETHERS_PATH = "m/44'/60'/0'/0/5";
const VIEM_INDEX = 6;
const RECIPIENT = '0x00000000000000000000000000000000000a11ce';
const TOO_MUCH = 10n ** 30n;

const board = compileBoard();
const dataDir = tempDataDir();
let env: Record<string, string> = {};
let node: LevProcess | undefined;
let url = '';
let wsUrl = '';
let chain: Chain;
let atReady: unknown[] = [];

/** Every tx this file sent, in order: block n holds sent[n - 1]. */
const sent: string[] = [];
/** The contracts' `total` as this file changed it: address → [block number, total after that block][]. */
const totals = new Map<string, [number, bigint][]>();
type Address = `0x${string}`;
let ethersBoard: Address = '0x';
let viemBoard: Address = '0x';

type Json = Record<string, unknown>;
type RpcLogJson = {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed: boolean;
};
type RpcReceiptJson = Omit<RpcReceiptFields, 'logs'> & {
  root?: string;
  transactionHash: string;
  transactionIndex: string;
  blockHash: string;
  blockNumber: string;
  gasUsed: string;
  effectiveGasPrice: string;
  from: string;
  to: string | null;
  contractAddress: string | null;
  logsBloom: string;
  logs: RpcLogJson[];
};
type RpcTxJson = RpcTxFields & {
  from: string;
  blockHash: string;
  blockNumber: string;
  transactionIndex: string;
};
type RpcBlockJson = {
  hash: string;
  parentHash: string;
  number: string;
  miner: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  gasUsed: string;
  transactions: RpcTxJson[];
  baseFeePerGas?: string;
};

/** A JSON-RPC call that must succeed. */
async function call<T>(method: string, params: unknown[] = [], at = url): Promise<T> {
  const res = await rpc<T>(at, method, params);
  if (res.error) throw new Error(`${method} ${JSON.stringify(params)} failed: ${JSON.stringify(res.error)}`);
  return res.result as T;
}

const quantity = (n: number | bigint) => `0x${n.toString(16)}`;

/**
 * The receipt of an ethers tx, polled for; then `tx.wait()` (which returns at once as the receipt exists, and throws
 * CALL_EXCEPTION for a failed tx). Not `tx.wait()` alone: with blocks only when a tx comes, it can miss its block —
 * its first receipt lookup and its block poller's baseline race with the sealing, and no later block wakes it.
 */
async function mined(tx: TransactionResponse): Promise<TransactionReceipt> {
  await waitForAsync(
    async () => (await tx.provider.getTransactionReceipt(tx.hash)) !== null,
    `the receipt of ${tx.hash}`,
  );
  return (await tx.wait())!;
}

/**
 * One tx per L2 block and no empty blocks: with ethers' default 250 ms cache of eth_blockNumber, tx.wait() can read
 * a stale head and then wait for a next block that only the next tx would bring. The providers here do not cache.
 */
const ethersProvider = () =>
  new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
const ethersWallet = (provider: JsonRpcProvider) =>
  HDNodeWallet.fromPhrase(MNEMONIC, undefined, ETHERS_PATH).connect(provider);
const viemAccount = mnemonicToAccount(MNEMONIC, { addressIndex: VIEM_INDEX });
const viemClients = () => ({
  client: createPublicClient({ chain, transport: http(url), pollingInterval: 100 }),
  wallet: createWalletClient({ account: viemAccount, chain, transport: http(url) }),
});

function recordTotal(address: string, blockNumber: number, total: bigint) {
  const list = totals.get(address.toLowerCase()) ?? [];
  list.push([blockNumber, total]);
  totals.set(address.toLowerCase(), list);
}

/** The `total` of a contract at a block per {@link totals}; undefined before it was deployed. */
function expectedTotal(address: string, blockNumber: number): bigint | undefined {
  let total: bigint | undefined;
  for (const [n, t] of totals.get(address.toLowerCase()) ?? []) if (n <= blockNumber) total = t;
  return total;
}

async function startNode() {
  node = runLev(['start', '--dev', '--roles', 'rpc,sequencer'], env);
  url = await node.ready('rpc');
  wsUrl = await node.ready('ws');
}

// Should this process die before test.after (a crash, the runner's kill), take the node and its Postgres along.
process.once('exit', () => {
  const postmaster = postmasterPid(dataDir);
  const group = node?.child.pid === undefined ? undefined : -node.child.pid;
  for (const pid of [group, postmaster]) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {}
  }
});
process.once('SIGTERM', () => process.exit(143));

test.before(async () => {
  env = {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
    LEV_SEQUENCER_BATCH_TIMEOUT_MS: '500',
  };
  await startNode();
  // What a client sees the moment the node says `ready rpc` on a fresh data dir.
  atReady = await Promise.all([
    rpc(url, 'eth_getBlockByNumber', ['latest', false]),
    rpc(url, 'eth_getBlockByNumber', ['0x0', false]),
    rpc(url, 'eth_blockNumber'),
  ]);
  await waitForAsync(
    async () => (await rpc(url, 'eth_getBlockByNumber', ['0x0', false])).result != null,
    'the genesis block',
  );
  chain = defineChain({
    id: Number(await call<string>('eth_chainId')),
    name: 'levitation-dev',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url], webSocket: [wsUrl] } },
  });
});

test.after(async () => {
  await crashWithPostgres(node, dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

test('the genesis block is served as soon as the node says `ready rpc`', () => {
  const [latest, genesis, blockNumber] = atReady as { result?: { number?: string } | string | null }[];
  assert.ok(
    (genesis?.result as { number?: string } | null)?.number === '0x0' &&
      (latest?.result as { number?: string } | null)?.number === '0x0',
    'NODE BUG: right after `ready rpc` on a fresh data dir, eth_getBlockByNumber("0x0") and ("latest") must return ' +
      `the genesis block; got 0x0 → ${JSON.stringify(genesis)}, latest → ${JSON.stringify(latest)}, ` +
      `eth_blockNumber → ${JSON.stringify(blockNumber)} (the rpc role announces readiness once the read models ` +
      'caught up with the log, before the sequencer has created the genesis block)',
  );
});

test('deploy with ethers (ContractFactory, constructor args) and viem (deployContract); read the view with both', async () => {
  const provider = ethersProvider();
  const { client, wallet } = viemClients();
  try {
    const latest = await call<RpcBlockJson>('eth_getBlockByNumber', ['latest', false]);
    assert.is(
      latest.baseFeePerGas,
      undefined,
      'blocks carry no baseFeePerGas (the clients fall back to legacy)',
    );

    const factory = new ContractFactory(board.iface, board.bytecode, ethersWallet(provider));
    const deployed = await factory.deploy('ethers board', 100n);
    const deployTx = deployed.deploymentTransaction()!;
    assert.is(deployTx.type, 0, 'ethers fell back to a legacy tx');
    const receipt = await mined(deployTx);
    sent.push(deployTx.hash);
    assert.is(receipt.status, 1);
    ethersBoard = (await deployed.getAddress()) as Address;
    assert.is(receipt.contractAddress, ethersBoard);
    recordTotal(ethersBoard, receipt.blockNumber, 100n);
    const contract = new Contract(ethersBoard, board.iface, provider);
    assert.equal([...(await contract.getFunction('describe')())], ['ethers board', 100n]);
    assert.is(await contract.getFunction('name')(), 'ethers board');

    const hash = await wallet.deployContract({
      abi: board.abi,
      bytecode: board.bytecode,
      args: ['viem board', 1n],
    });
    sent.push(hash);
    const viemReceipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
    assert.is(viemReceipt.status, 'success');
    assert.is(viemReceipt.type, 'legacy', 'viem fell back to a legacy tx');
    viemBoard = viemReceipt.contractAddress!;
    assert.ok(viemBoard);
    recordTotal(viemBoard, Number(viemReceipt.blockNumber), 1n);
    assert.equal(
      await client.readContract({ address: viemBoard, abi: board.abi, functionName: 'describe' }),
      ['viem board', 1n],
    );
    // Each library reads the other's contract.
    assert.equal(
      await client.readContract({ address: ethersBoard, abi: board.abi, functionName: 'describe' }),
      ['ethers board', 100n],
    );
    assert.is(await new Contract(viemBoard, board.iface, provider).getFunction('total')(), 1n);
  } finally {
    provider.destroy();
  }
});

test('posts from ethers and viem: the events over WebSocket (ethers contract.on, raw eth_subscribe logs and newHeads, viem watchContractEvent) and eth_getLogs equal the receipts', async () => {
  const provider = ethersProvider();
  const { client, wallet } = viemClients();
  const wsProvider = new TrackedWebSocketProvider(wsUrl, chain.id);
  const raw = await openRawSocket(wsUrl);
  const tracked = trackedWebSocket(wsUrl);
  const wsClient = createPublicClient({ chain, transport: tracked.transport });
  let unwatch = () => {};
  try {
    const postedTopic = board.iface.getEvent('Posted')!.topicHash;
    const topic7 = AbiCoder.defaultAbiCoder().encode(['uint256'], [7n]);

    // ethers over WebSocket: Posted with topic 7.
    const wsContract = new Contract(ethersBoard, board.iface, wsProvider);
    const fromEthersWs: Log[] = [];
    const ethersGot = wsProvider.subscriptions;
    await wsContract.on(wsContract.filters.Posted!(null, 7n), (...args: unknown[]) => {
      const payload = args[args.length - 1] as { log: Log };
      fromEthersWs.push(payload.log);
    });
    // Raw: logs of the ethers board with topic 7, and new heads.
    const rawLogs = await raw.subscribe([
      'logs',
      { address: ethersBoard, topics: [postedTopic, null, topic7] },
    ]);
    const heads = await raw.subscribe(['newHeads']);
    // viem over WebSocket.
    const fromViemWs: Json[] = [];
    unwatch = wsClient.watchContractEvent({
      address: ethersBoard,
      abi: board.abi,
      eventName: 'Posted',
      args: { topic: 7n },
      onLogs: (logs) => {
        for (const l of logs as unknown[]) fromViemWs.push(l as Json);
      },
      onError: (err) => {
        fromViemWs.push({ error: String(err) });
      },
    });
    // Every subscription is live before the first post.
    const [ethersSub] = await ethersGot.until((ids) => ids.length >= 1, 'the ethers eth_subscribe answer');
    assert.ok(
      ethersSub && 'id' in ethersSub,
      `ethers eth_subscribe: ${String((ethersSub as { error?: unknown }).error)}`,
    );
    await tracked.subscriptions.until((ids) => ids.length >= 1, 'the viem eth_subscribe answer');

    const contract = new Contract(ethersBoard, board.iface, ethersWallet(provider));
    // Topic 8 first: none of the topic-7 subscriptions may see it.
    const other: ContractTransactionResponse = await contract.getFunction('post')(8n, 3n, 'another topic');
    const otherReceipt = await mined(other);
    sent.push(other.hash);
    recordTotal(ethersBoard, otherReceipt.blockNumber, 103n);
    const fromEthers: ContractTransactionResponse = await contract.getFunction('post')(
      7n,
      5n,
      'hello from ethers',
    );
    const ethersReceipt = await mined(fromEthers);
    sent.push(fromEthers.hash);
    recordTotal(ethersBoard, ethersReceipt.blockNumber, 108n);
    assert.equal(
      ethersReceipt.logs.map((l) => board.iface.parseLog(l)?.name),
      ['Posted', 'Total'],
      'post emits Posted then Total',
    );

    const sim = await client.simulateContract({
      account: viemAccount,
      address: ethersBoard,
      abi: board.abi,
      functionName: 'post',
      args: [7n, 11n, 'hello from viem'],
    });
    assert.is(sim.result, 119n, 'simulateContract returns what post would return');
    const viemHash = await wallet.writeContract(sim.request);
    sent.push(viemHash);
    const viemReceipt = await client.waitForTransactionReceipt({ hash: viemHash, pollingInterval: 100 });
    assert.is(viemReceipt.status, 'success');
    recordTotal(ethersBoard, Number(viemReceipt.blockNumber), 119n);
    assert.is(
      await client.readContract({ address: ethersBoard, abi: board.abi, functionName: 'total' }),
      119n,
    );
    assert.is(
      await client.readContract({
        address: ethersBoard,
        abi: board.abi,
        functionName: 'scores',
        args: [viemAccount.address],
      }),
      11n,
    );

    // The receipts' Posted logs with topic 7, as the node gives them.
    const receipts = await Promise.all(
      [fromEthers.hash, viemHash].map((h) => call<RpcReceiptJson>('eth_getTransactionReceipt', [h])),
    );
    const expected = receipts.map((r) => r.logs[0]!);
    for (const r of receipts) assert.equal(r.logs[0]!.topics.slice(0, 1), [postedTopic]);
    const want = expected.map(canonical);

    // Over WebSocket.
    const rawGot = await rawLogs.notifications.until((n) => n.length >= 2, 'two raw log notifications');
    assert.equal((rawGot as RpcLogJson[]).map(canonical), want, 'raw eth_subscribe logs');
    assert.equal(rawGot, expected, 'raw log notifications are the receipt logs, field for field');
    await waitFor(() => fromEthersWs.length >= 2, 'two ethers contract.on events');
    assert.equal(fromEthersWs.map(canonical), want, 'ethers contract.on over WebSocket');
    await waitFor(() => fromViemWs.length >= 2, 'two viem watchContractEvent logs');
    assert.equal(fromViemWs.map(canonical), want, 'viem watchContractEvent over WebSocket');
    assert.equal(
      fromViemWs.map((l) => (l as { args: unknown }).args),
      [
        { author: ethersWallet(provider).address, topic: 7n, amount: 5n, note: 'hello from ethers' },
        { author: viemAccount.address, topic: 7n, amount: 11n, note: 'hello from viem' },
      ],
      'viem decodes the args',
    );
    const blocks = [otherReceipt.blockNumber, ethersReceipt.blockNumber, Number(viemReceipt.blockNumber)];
    const headsGot = (await heads.notifications.until(
      (n) => (n as { number: string }[]).some((h) => Number(h.number) === blocks[2]),
      'the newHeads of the three posts',
    )) as Json[];
    assert.equal(
      headsGot.map((h) => Number(h.number)),
      blocks,
      'newHeads: one head per new block, in order',
    );
    for (const head of headsGot) {
      const { transactions, uncles, size, ...fields } = await call<Json>('eth_getBlockByNumber', [
        head.number,
        false,
      ]);
      assert.ok(transactions && uncles && size);
      assert.equal(head, fields, `newHeads ${String(head.number)} = the block's header fields`);
    }

    // eth_getLogs: ethers queryFilter by the indexed topic, viem getContractEvents by topic and getLogs by author.
    const queried = await new Contract(ethersBoard, board.iface, provider).queryFilter(
      contract.filters.Posted!(null, 7n),
      0,
    );
    assert.equal(queried.map(canonical), want, 'ethers queryFilter(Posted(null, 7))');
    const events = await client.getContractEvents({
      address: ethersBoard,
      abi: board.abi,
      eventName: 'Posted',
      args: { topic: 7n },
      fromBlock: 0n,
    });
    assert.equal(events.map(canonical), want, 'viem getContractEvents(Posted, topic 7)');
    const byAuthor = await client.getLogs({
      address: ethersBoard,
      event: getAbiItem({ abi: board.abi, name: 'Posted' }) as never,
      args: { author: viemAccount.address } as never,
      fromBlock: 0n,
    });
    assert.equal(byAuthor.map(canonical), [want[1]], 'viem getLogs(Posted, author = viem account)');
    const all = await call<RpcLogJson[]>('eth_getLogs', [{ address: ethersBoard, fromBlock: '0x0' }]);
    const allFromReceipts = (
      await Promise.all(
        [other.hash, fromEthers.hash, viemHash].map((h) =>
          call<RpcReceiptJson>('eth_getTransactionReceipt', [h]),
        ),
      )
    ).flatMap((r) => r.logs);
    assert.equal(all, allFromReceipts, 'eth_getLogs of the board = its receipts logs, field for field');
  } finally {
    unwatch();
    await wsProvider.close();
    await raw.close();
    (await wsClient.transport.getRpcClient()).close();
    provider.destroy();
  }
});

/** Resolves once `done()` holds, checking every 50 ms; rejects after 30 s naming `what` (a hang guard). */
async function waitFor(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`still waiting for ${what}`);
}

/** A log from ethers, viem or raw JSON-RPC as comparable plain values. */
function canonical(log: unknown): Json {
  const l = log as Record<string, unknown>;
  const index = l.logIndex ?? l.index;
  return {
    address: String(l.address).toLowerCase(),
    topics: l.topics,
    data: l.data,
    blockNumber: Number(l.blockNumber),
    blockHash: l.blockHash,
    transactionHash: l.transactionHash,
    transactionIndex: Number(l.transactionIndex),
    logIndex: Number(index),
  };
}

test('reverts: eth_call and eth_estimateGas give the reason and the custom error (ethers, viem, raw JSON-RPC); a reverted tx is mined with status 0', async () => {
  const provider = ethersProvider();
  const { client } = viemClients();
  try {
    const wallet = ethersWallet(provider);
    const contract = new Contract(ethersBoard, board.iface, wallet);
    const reasonData = `0x08c379a0${AbiCoder.defaultAbiCoder().encode(['string'], ['not enough total']).slice(2)}`;
    const customData = board.iface.encodeErrorResult('TooBig', [5000n, 1000n]);

    // Raw JSON-RPC.
    for (const method of ['eth_call', 'eth_estimateGas']) {
      const withdraw = await rpc(url, method, [
        {
          from: wallet.address,
          to: ethersBoard,
          data: board.iface.encodeFunctionData('withdraw', [TOO_MUCH]),
        },
        'latest',
      ]);
      assert.equal(
        withdraw.error,
        { code: 3, message: 'execution reverted: not enough total', data: reasonData },
        `${method} of a require(…, "not enough total")`,
      );
      const capped = await rpc(url, method, [
        { from: wallet.address, to: ethersBoard, data: board.iface.encodeFunctionData('capped', [5000n]) },
        'latest',
      ]);
      assert.equal(
        capped.error,
        { code: 3, message: 'execution reverted', data: customData },
        `${method} of a revert TooBig(5000, 1000)`,
      );
    }

    // ethers: CALL_EXCEPTION with the reason, or the decoded custom error.
    const ethersError = async (what: string, run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (err) {
        assert.ok(isError(err, 'CALL_EXCEPTION'), `${what}: ${String(err)}`);
        return err;
      }
      throw new Error(`${what} did not fail`);
    };
    for (const [what, run] of [
      ['staticCall', () => contract.getFunction('withdraw').staticCall(TOO_MUCH)],
      ['estimateGas', () => contract.getFunction('withdraw').estimateGas(TOO_MUCH)],
      ['send (estimates first)', () => contract.getFunction('withdraw')(TOO_MUCH)],
    ] as const) {
      const err = await ethersError(`ethers withdraw ${what}`, run);
      assert.is(err.reason, 'not enough total', `ethers ${what} reason`);
      assert.is(err.revert?.name, 'Error');
      assert.is(err.data, reasonData);
    }
    const custom = await ethersError('ethers capped staticCall', () =>
      contract.getFunction('capped').staticCall(5000n),
    );
    assert.is(custom.revert?.name, 'TooBig', 'ethers staticCall decodes the custom error');
    assert.equal([...(custom.revert?.args ?? [])], [5000n, 1000n]);
    // ethers decodes only Error/Panic on estimateGas (by design); the revert data is there to decode.
    const customEstimate = await ethersError('ethers capped estimateGas', () =>
      contract.getFunction('capped').estimateGas(5000n),
    );
    assert.is(customEstimate.data, customData);
    assert.equal([...board.iface.decodeErrorResult('TooBig', customEstimate.data!)], [5000n, 1000n]);

    // viem: ContractFunctionRevertedError with the reason or the decoded custom error.
    const viemRevert = async (what: string, run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (err) {
        assert.ok(err instanceof BaseError, `${what}: ${String(err)}`);
        const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
        assert.ok(revert instanceof ContractFunctionRevertedError, `${what}: no revert in ${err.message}`);
        return revert;
      }
      throw new Error(`${what} did not fail`);
    };
    const base = { account: viemAccount, address: ethersBoard, abi: board.abi } as const;
    for (const [what, run] of [
      [
        'simulateContract',
        () => client.simulateContract({ ...base, functionName: 'withdraw', args: [TOO_MUCH] }),
      ],
      [
        'estimateContractGas',
        () => client.estimateContractGas({ ...base, functionName: 'withdraw', args: [TOO_MUCH] }),
      ],
      ['readContract', () => client.readContract({ ...base, functionName: 'withdraw', args: [TOO_MUCH] })],
    ] as const) {
      const revert = await viemRevert(`viem withdraw ${what}`, run);
      assert.is(revert.reason, 'not enough total', `viem ${what} reason`);
      assert.ok(revert.message.includes('not enough total'));
    }
    for (const [what, run] of [
      ['simulateContract', () => client.simulateContract({ ...base, functionName: 'capped', args: [5000n] })],
      [
        'estimateContractGas',
        () => client.estimateContractGas({ ...base, functionName: 'capped', args: [5000n] }),
      ],
    ] as const) {
      const revert = await viemRevert(`viem capped ${what}`, run);
      assert.is(revert.data?.errorName, 'TooBig', `viem ${what} decodes the custom error`);
      assert.equal(revert.data?.args, [5000n, 1000n]);
    }

    // A reverting tx sent with its own gas limit is mined, failed, without logs; its fee is still paid.
    const failing: ContractTransactionResponse = await contract.getFunction('withdraw')(TOO_MUCH, {
      gasLimit: 100_000n,
    });
    sent.push(failing.hash);
    const failedError = await ethersError('wait() of a reverted tx', () => mined(failing));
    const failed = failedError.receipt;
    assert.is(failed?.hash, failing.hash);
    assert.is(failed?.status, 0);
    assert.is(failed?.logs.length, 0);
    // A plain transfer, for the balance ledger.
    const transfer = await wallet.sendTransaction({ to: RECIPIENT, value: 123_456_789n });
    sent.push(transfer.hash);
    assert.is((await mined(transfer)).status, 1);
    // And the custom-error path succeeding, from viem.
    const { wallet: viemWallet } = viemClients();
    const capped = await viemWallet.writeContract({ ...base, functionName: 'capped', args: [1000n] });
    sent.push(capped);
    const cappedReceipt = await client.waitForTransactionReceipt({ hash: capped, pollingInterval: 100 });
    assert.is(cappedReceipt.status, 'success');
    recordTotal(ethersBoard, Number(cappedReceipt.blockNumber), 1119n);
  } finally {
    provider.destroy();
  }
});

/**
 * Checks every block 1..head against its one receipt and the txs this file sent; returns the blocks (0..head,
 * full txs) and the receipts (by block number − 1).
 */
async function checkBlocksAndReceipts(
  at: string,
): Promise<{ blocks: RpcBlockJson[]; receipts: RpcReceiptJson[] }> {
  const head = Number(await call<string>('eth_blockNumber', [], at));
  assert.is(head, sent.length, `one block per tx sent: head ${head}, ${sent.length} txs sent`);
  const blocks = [await call<RpcBlockJson>('eth_getBlockByNumber', ['0x0', true], at)];
  const receipts: RpcReceiptJson[] = [];
  for (let n = 1; n <= head; n++) {
    const block = await call<RpcBlockJson>('eth_getBlockByNumber', [quantity(n), true], at);
    const where = `block ${n}`;
    assert.is(block.number, quantity(n));
    assert.is(block.parentHash, blocks[n - 1]!.hash, `${where}: parentHash = the previous block's hash`);
    assert.equal(
      block.transactions.map((t) => t.hash),
      [sent[n - 1]],
      `${where} holds the ${n}-th tx sent`,
    );
    assert.equal(
      await call('eth_getBlockByHash', [block.hash, true], at),
      block,
      `${where} by hash = by number`,
    );
    const tx = block.transactions[0]!;
    const receipt = await call<RpcReceiptJson>('eth_getTransactionReceipt', [tx.hash], at);
    assert.equal(
      await call('eth_getTransactionByHash', [tx.hash], at),
      tx,
      `${where}: eth_getTransactionByHash`,
    );
    assert.is(receipt.blockHash, block.hash, `${where}: receipt blockHash`);
    assert.is(receipt.blockNumber, block.number);
    assert.is(receipt.transactionHash, tx.hash);
    assert.is(receipt.transactionIndex, '0x0', `${where}: transactionIndex 0`);
    assert.is(tx.transactionIndex, '0x0');
    assert.is(tx.blockHash, block.hash);
    assert.is(tx.blockNumber, block.number);
    assert.is(receipt.from, tx.from);
    assert.is(receipt.cumulativeGasUsed, receipt.gasUsed, `${where}: cumulativeGasUsed = gasUsed`);
    assert.is(block.gasUsed, receipt.gasUsed, `${where}: block gasUsed = receipt gasUsed`);
    assert.is(receipt.effectiveGasPrice, tx.gasPrice, `${where}: effectiveGasPrice = gasPrice (legacy)`);
    assert.is(block.logsBloom, receipt.logsBloom, `${where}: block logsBloom = receipt logsBloom`);
    assert.is(receipt.logsBloom, logsBloom(receipt.logs), `${where}: logsBloom of the receipt's logs`);
    assert.is(
      block.transactionsRoot,
      await orderedTrieRoot([signedTxBytes(tx)]),
      `${where}: transactionsRoot = trie {rlp(0): signed tx}`,
    );
    if (receipt.root !== undefined)
      assert.is(
        receipt.root,
        block.stateRoot,
        `${where}: the receipt's post-tx root = the state root of its one-tx block`,
      );
    assert.is(
      block.receiptsRoot,
      await orderedTrieRoot([receiptBytes(receipt)]),
      `${where}: receiptsRoot = trie {rlp(0): receipt}`,
    );
    assert.equal(
      receipt.logs.map((l) => l.logIndex),
      receipt.logs.map((_, i) => quantity(i)),
      `${where}: logIndex 0, 1, … in order`,
    );
    for (const log of receipt.logs) {
      assert.equal(
        [log.blockHash, log.blockNumber, log.transactionHash, log.transactionIndex, log.removed],
        [block.hash, block.number, tx.hash, '0x0', false],
        `${where}: log ${log.logIndex} placed in its receipt`,
      );
    }
    blocks.push(block);
    receipts.push(receipt);
  }
  return { blocks, receipts };
}

test('every block agrees with its receipt, an independent tx trie root, receipts root and logs bloom', async () => {
  const { receipts } = await checkBlocksAndReceipts(url);
  assert.ok(receipts.some((r) => r.logs.length === 2));
  assert.ok(receipts.some((r) => r.status === '0x0'));
});

/**
 * eth_getProof of the ethers account and of the ethers board's `total` slot verify against the state roots of
 * several blocks and agree with eth_getBalance/eth_getTransactionCount/eth_getStorageAt there; the balances of
 * every account the txs touched, at EVERY block, follow value + gasUsed × gasPrice per tx.
 */
async function checkStateAtBlocks(at: string, blocks: RpcBlockJson[], receipts: RpcReceiptJson[]) {
  const ethersAccount = HDNodeWallet.fromPhrase(MNEMONIC, undefined, ETHERS_PATH).address.toLowerCase();
  const miner = blocks[1]!.miner.toLowerCase();
  const accounts = [ethersAccount, viemAccount.address.toLowerCase(), RECIPIENT, miner];
  // The ledger from the genesis balances and the txs.
  const balances = new Map<string, bigint>();
  for (const a of accounts) balances.set(a, BigInt(await call<string>('eth_getBalance', [a, '0x0'], at)));
  const nonces = new Map<string, bigint>(accounts.map((a) => [a, 0n]));
  for (const a of accounts)
    nonces.set(a, BigInt(await call<string>('eth_getTransactionCount', [a, '0x0'], at)));
  const proofBlocks = new Set([0, 1, 3, blocks.length - 1]);
  for (let n = 0; n < blocks.length; n++) {
    const block = blocks[n]!;
    if (n > 0) {
      const tx = block.transactions[0]!;
      const receipt = receipts[n - 1]!;
      const fee = BigInt(receipt.gasUsed) * BigInt(tx.gasPrice);
      const from = tx.from.toLowerCase();
      const to = (tx.to ?? receipt.contractAddress)!.toLowerCase();
      const value = receipt.status === '0x1' ? BigInt(tx.value) : 0n;
      if (balances.has(from)) balances.set(from, balances.get(from)! - value - fee);
      if (balances.has(to)) balances.set(to, balances.get(to)! + value);
      if (block.miner.toLowerCase() === miner) balances.set(miner, balances.get(miner)! + fee);
      if (nonces.has(from)) nonces.set(from, nonces.get(from)! + 1n);
    }
    for (const a of accounts) {
      assert.is(
        BigInt(await call<string>('eth_getBalance', [a, block.number], at)),
        balances.get(a),
        `balance of ${a} at block ${n}`,
      );
    }
    if (!proofBlocks.has(n)) continue;

    const eoa = await call<{
      balance: string;
      nonce: string;
      codeHash: string;
      storageHash: string;
      accountProof: string[];
      storageProof: { key: string; value: string; proof: string[] }[];
    }>('eth_getProof', [ethersAccount, [quantity(BOARD_TOTAL_SLOT)], block.number], at);
    const proven = await verifyAccountProof(block.stateRoot, ethersAccount, eoa.accountProof);
    assert.ok(proven, `block ${n}: the ethers account exists`);
    assert.equal(
      proven,
      {
        nonce: nonces.get(ethersAccount),
        balance: balances.get(ethersAccount),
        storageHash: eoa.storageHash,
        codeHash: eoa.codeHash,
      },
      `block ${n}: the EOA proof proves the ledger's nonce and balance`,
    );
    assert.is(BigInt(eoa.balance), balances.get(ethersAccount));
    assert.is(BigInt(eoa.nonce), nonces.get(ethersAccount));
    assert.is(eoa.codeHash, keccak256('0x'), 'an EOA has the empty code hash');
    assert.is(await verifyStorageProof(eoa.storageHash, BOARD_TOTAL_SLOT, eoa.storageProof[0]!.proof), 0n);

    const contract = await call<typeof eoa>(
      'eth_getProof',
      [ethersBoard, [quantity(BOARD_TOTAL_SLOT)], block.number],
      at,
    );
    const total = expectedTotal(ethersBoard, n);
    const provenContract = await verifyAccountProof(block.stateRoot, ethersBoard, contract.accountProof);
    if (total === undefined) {
      assert.is(provenContract, null, `block ${n}: the board is proven absent before its deployment`);
      continue;
    }
    assert.ok(provenContract, `block ${n}: the board exists`);
    assert.is(provenContract.storageHash, contract.storageHash);
    assert.is(
      provenContract.codeHash,
      keccak256(await call<string>('eth_getCode', [ethersBoard, block.number], at)),
    );
    assert.is(provenContract.nonce, 1n, 'a contract starts at nonce 1 (EIP-161)');
    const slot = contract.storageProof[0]!;
    assert.is(
      await verifyStorageProof(provenContract.storageHash, BOARD_TOTAL_SLOT, slot.proof),
      total,
      `block ${n}: the storage proof proves total = ${total}`,
    );
    assert.is(BigInt(slot.value), total);
    assert.is(
      BigInt(
        await call<string>('eth_getStorageAt', [ethersBoard, quantity(BOARD_TOTAL_SLOT), block.number], at),
      ),
      total,
    );
  }
}

test('eth_getProof verifies against the state roots; balances at every block follow the txs', async () => {
  const { blocks, receipts } = await checkBlocksAndReceipts(url);
  await checkStateAtBlocks(url, blocks, receipts);
});

/** Everything a client can read about the chain so far, as JSON. */
async function snapshot(at: string): Promise<Json> {
  const head = Number(await call<string>('eth_blockNumber', [], at));
  const blocks = [];
  for (let n = 0; n <= head; n++) blocks.push(await call('eth_getBlockByNumber', [quantity(n), true], at));
  const txs = [];
  const receipts = [];
  for (const h of sent) {
    txs.push(await call('eth_getTransactionByHash', [h], at));
    receipts.push(await call('eth_getTransactionReceipt', [h], at));
  }
  const batchNumber = await call<string>('zkevm_batchNumber', [], at);
  const batches = [];
  for (let b = 0; b <= Number(batchNumber); b++)
    batches.push(await call('zkevm_getBatchByNumber', [quantity(b), true], at));
  const batchOfBlock = [];
  for (let n = 0; n <= head; n++)
    batchOfBlock.push(await call('zkevm_batchNumberByBlockNumber', [quantity(n)], at));
  const proofs = [];
  const ethersAccount = HDNodeWallet.fromPhrase(MNEMONIC, undefined, ETHERS_PATH).address;
  for (let n = 0; n <= head; n++)
    for (const address of [ethersAccount, ethersBoard])
      proofs.push(await call('eth_getProof', [address, [quantity(BOARD_TOTAL_SLOT)], quantity(n)], at));
  const describe = board.iface.encodeFunctionData('describe');
  return {
    head,
    blocks,
    txs,
    receipts,
    batchNumber,
    batches,
    batchOfBlock,
    proofs,
    logs: await call('eth_getLogs', [{ fromBlock: '0x0', toBlock: quantity(head) }], at),
    view: await Promise.all(
      [ethersBoard, viemBoard].map((to) => call('eth_call', [{ to, data: describe }, 'latest'], at)),
    ),
  };
}

test('kill -9 of the node and its Postgres, restart on the same data dir: everything equal, the next tx on top', async () => {
  // Wait until the batch of the last block is closed, so the crash leaves nothing in the making.
  const last = sent.length;
  await waitForAsync(async () => {
    const b = await call<string>('zkevm_batchNumberByBlockNumber', [quantity(last)]);
    return (await call<{ closed: boolean }>('zkevm_getBatchByNumber', [b, false])).closed;
  }, `the batch of block ${last} to close`);
  const before = await snapshot(url);
  const lastBlock = (before.blocks as RpcBlockJson[])[last]!;
  const provider0 = ethersProvider();
  const logsBefore = await new Contract(ethersBoard, board.iface, provider0).queryFilter('Posted', 0);
  provider0.destroy();

  await crashWithPostgres(node, dataDir);
  await startNode();

  const after = await snapshot(url);
  for (const key of Object.keys(before))
    assert.equal(after[key], before[key], `after the restart, ${key} is as before the crash`);

  const { blocks, receipts } = await checkBlocksAndReceipts(url);
  await checkStateAtBlocks(url, blocks, receipts);
  const provider = ethersProvider();
  const { client } = viemClients();
  try {
    const contract = new Contract(ethersBoard, board.iface, ethersWallet(provider));
    assert.equal(
      (await contract.queryFilter('Posted', 0)).map(canonical),
      logsBefore.map(canonical),
      'ethers queryFilter after the restart',
    );
    const events = await client.getContractEvents({
      address: ethersBoard,
      abi: board.abi,
      eventName: 'Posted',
      args: { topic: 7n },
      fromBlock: 0n,
    });
    assert.equal(
      events.map(canonical),
      logsBefore
        .filter((l) => l.topics[2] === AbiCoder.defaultAbiCoder().encode(['uint256'], [7n]))
        .map(canonical),
      'viem getContractEvents after the restart',
    );
    assert.equal([...(await contract.getFunction('describe')())], ['ethers board', 1119n]);
    assert.equal(
      await client.readContract({ address: viemBoard, abi: board.abi, functionName: 'describe' }),
      ['viem board', 1n],
    );

    // The next tx lands on top of the last block before the crash.
    const tx: ContractTransactionResponse = await contract.getFunction('post')(9n, 1n, 'after the crash');
    const receipt = await mined(tx);
    sent.push(tx.hash);
    recordTotal(ethersBoard, receipt.blockNumber, 1120n);
    assert.is(receipt.status, 1);
    assert.is(receipt.blockNumber, last + 1, 'the next block number');
    const block = await call<RpcBlockJson>('eth_getBlockByNumber', [quantity(last + 1), false]);
    assert.is(block.parentHash, lastBlock.hash, 'the next block links to the last block before the crash');
    const all = await checkBlocksAndReceipts(url);
    await checkStateAtBlocks(url, all.blocks, all.receipts);
  } finally {
    provider.destroy();
  }
});

/** Polls `done()` every 100 ms until it holds; rejects after 30 s naming `what` (a hang guard). */
async function waitForAsync(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`still waiting for ${what}`);
}

test.run();
