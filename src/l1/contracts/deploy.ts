/**
 * Deploys the L1 contracts from one deployer with fixed nonces, so their addresses depend only on the deployer
 * (DESIGN §9: "contracts deployed at deterministic addresses (fixed deployer and nonces)"):
 *
 *   nonce 0 LevitationFeeToken, 1 AttestationVerifier, 2 LevitationGlobalExitRoot (rollup = the nonce-3 address,
 *   bridge = the deployer), 3 LevitationZkEVM, then one `addProver` per prover key and one fee-token `mint` each.
 *
 * On an L1 where the deployer already deployed them (a devnet that kept its chain), nothing is sent: the existing
 * contracts are checked against the options — chain id, fork id, genesis root, trusted sequencer and aggregator,
 * provers, and the force-batch timeout and fee when given — and returned (`reused: true`).
 */
import { computeAddress, type Interface, SigningKey, Transaction } from 'ethers';
import { jsonRpcCall } from '../../jsonrpc/index.ts';
import { type Address, type Hash, type Hex, toAddress } from '../../primitives/index.ts';
import { type L1ContractAddresses, predictL1ContractAddresses } from './addresses.ts';
import { type L1ContractName, loadL1Artifact } from './artifacts.ts';
import {
  decodeL1Revert,
  feeTokenInterface,
  globalExitRootInterface,
  rollupInterface,
  verifierInterface,
} from './calldata.ts';
import { asL1RpcError, L1DeploymentError, L1RpcError } from './errors.ts';

export type DeployL1ContractsOptions = {
  /** L1 JSON-RPC URL. */
  url: string;
  /** The deployer's private key (dev: test-mnemonic account #0). It becomes admin, owner, minter and bridge. */
  deployerKey: Hex;
  /** The trusted sequencer (dev: account #1). */
  sequencer: Address;
  /** The trusted aggregator (dev: account #2). */
  aggregator: Address;
  /** Addresses of the prover keys the verifier accepts (dev: account #4). */
  provers: readonly Address[];
  /** The L2 genesis state root (`batchNumToStateRoot[0]`). */
  genesisRoot: Hash;
  /** L2 chain id. @default 1001n */
  chainId?: bigint;
  /** @default 5n */
  forkId?: bigint;
  /** Seconds before anyone may sequence a forced batch. @default 60n */
  forceBatchTimeout?: bigint;
  /** Fee-token amount per forced batch. @default 10n ** 18n */
  batchFee?: bigint;
  /** Fee tokens minted after the deployment. @default 1,000,000 tokens to the deployer */
  mints?: readonly { to: Address; amount: bigint }[];
  /** Legacy gas price of the deploy txs. @default twice `eth_gasPrice` */
  gasPrice?: bigint;
  /** How long to wait for each receipt. @default 60_000 */
  receiptTimeoutMs?: number;
};

export type L1Deployment = L1ContractAddresses & {
  deployer: Address;
  /** The L1 chain id the contracts live on. */
  l1ChainId: bigint;
  /** The L1 block the rollup was created in (where a synchronizer starts). */
  deploymentBlock: bigint;
  /** True when the contracts were already there and nothing was sent. */
  reused: boolean;
};

const TOKEN = 10n ** 18n;

let rpcId = 0;

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  try {
    return await jsonRpcCall<T>(url, method, params, { id: ++rpcId });
  } catch (err) {
    throw asL1RpcError(err, method);
  }
}

const revertOf = (err: unknown): string => {
  if (!(err instanceof L1RpcError)) return '';
  const d = err.rpcData;
  const data = typeof d === 'string' ? d : d && typeof d === 'object' && 'data' in d ? String(d.data) : '';
  const decoded = data.startsWith('0x') ? decodeL1Revert(data as Hex) : null;
  return decoded ? ` (${decoded.signature})` : '';
};

type PlannedTx = { what: string; to: Address | null; data: Hex };

async function sendPlanned(
  url: string,
  key: SigningKey,
  from: Address,
  chainId: bigint,
  gasPrice: bigint,
  firstNonce: number,
  txs: readonly PlannedTx[],
  timeoutMs: number,
): Promise<{ blockNumber: bigint; contractAddress: Address | null }[]> {
  const hashes: Hash[] = [];
  for (const [i, t] of txs.entries()) {
    let estimate: bigint;
    try {
      estimate = BigInt(
        await rpc<string>(url, 'eth_estimateGas', [{ from, ...(t.to ? { to: t.to } : {}), data: t.data }]),
      );
    } catch (err) {
      throw new L1DeploymentError(`${t.what} would fail${revertOf(err)}`, { cause: err });
    }
    const tx = Transaction.from({
      type: 0,
      chainId,
      nonce: firstNonce + i,
      gasPrice,
      gasLimit: (estimate * 12n) / 10n + 10_000n,
      to: t.to,
      data: t.data,
      value: 0n,
    });
    tx.signature = key.sign(tx.unsignedHash);
    hashes.push(await rpc<Hash>(url, 'eth_sendRawTransaction', [tx.serialized]));
  }
  const receipts: { blockNumber: bigint; contractAddress: Address | null }[] = [];
  for (const [i, hash] of hashes.entries()) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await rpc<{ status: string; blockNumber: string; contractAddress: string | null } | null>(
        url,
        'eth_getTransactionReceipt',
        [hash],
      );
      if (r) {
        if (BigInt(r.status) !== 1n) throw new L1DeploymentError(`${txs[i]!.what} reverted (tx ${hash})`);
        receipts.push({
          blockNumber: BigInt(r.blockNumber),
          contractAddress: r.contractAddress ? toAddress(r.contractAddress) : null,
        });
        break;
      }
      if (Date.now() > deadline)
        throw new L1DeploymentError(`${txs[i]!.what}: no receipt for ${hash} in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return receipts;
}

async function view(url: string, iface: Interface, to: Address, fn: string, args: unknown[] = []) {
  const data = iface.encodeFunctionData(fn, args);
  const out = await rpc<Hex>(url, 'eth_call', [{ to, data }, 'latest']);
  return iface.decodeFunctionResult(fn, out);
}

const deployData = (name: L1ContractName, iface: Interface, args: unknown[]): Hex =>
  `${loadL1Artifact(name).bytecode}${iface.encodeDeploy(args).slice(2)}` as Hex;

/**
 * Deploys (or finds) the L1 contracts; see the module header for the nonce plan.
 *
 * @throws {L1DeploymentError} when the key is invalid, a tx would revert or reverts, the deployer's nonce shows
 *   a partial or foreign deployment, or existing contracts have another chain id, fork id, genesis root, trusted
 *   sequencer or aggregator (force-batch timeout or fee, when given) or lack a prover.
 * @throws {L1RpcError} when the L1 does not answer.
 */
export async function deployL1Contracts(opts: DeployL1ContractsOptions): Promise<L1Deployment> {
  const { url } = opts;
  let key: SigningKey;
  try {
    key = new SigningKey(opts.deployerKey);
  } catch (err) {
    throw new L1DeploymentError('deployerKey is not a valid private key', { cause: err });
  }
  const from = toAddress(computeAddress(key.publicKey));
  const chainIdL2 = opts.chainId ?? 1001n;
  const forkId = opts.forkId ?? 5n;
  const l1ChainId = BigInt(await rpc<string>(url, 'eth_chainId', []));
  const addresses = predictL1ContractAddresses(from);
  const nonce = Number(BigInt(await rpc<string>(url, 'eth_getTransactionCount', [from, 'pending'])));

  if (nonce > 0) {
    const codes = await Promise.all(
      Object.values(addresses).map((a) => rpc<Hex>(url, 'eth_getCode', [a, 'latest'])),
    );
    if (codes.some((c) => c === '0x')) {
      throw new L1DeploymentError(
        `deployer ${from} has nonce ${nonce} but the contracts are not all at their addresses`,
        {
          details: 'a partial or foreign deployment: use a fresh L1 (restart the devnet) or another deployer',
        },
      );
    }
    const r = addresses.rollup;
    const [chainID] = await view(url, rollupInterface, r, 'chainID');
    const [fork] = await view(url, rollupInterface, r, 'forkID');
    const [genesis] = await view(url, rollupInterface, r, 'batchNumToStateRoot', [0n]);
    const [block] = await view(url, rollupInterface, r, 'deploymentBlockNumber');
    const [sequencer] = await view(url, rollupInterface, r, 'trustedSequencer');
    const [aggregator] = await view(url, rollupInterface, r, 'trustedAggregator');
    const mismatch: string[] = [];
    if (chainID !== chainIdL2) mismatch.push(`chainID ${chainID} ≠ ${chainIdL2}`);
    if (fork !== forkId) mismatch.push(`forkID ${fork} ≠ ${forkId}`);
    if ((genesis as string).toLowerCase() !== opts.genesisRoot.toLowerCase()) {
      mismatch.push(`genesis root ${genesis} ≠ ${opts.genesisRoot}`);
    }
    // The rollup accepts sequences and verifications from these alone (OnlyTrustedSequencer/OnlyTrustedAggregator).
    if ((sequencer as string).toLowerCase() !== opts.sequencer.toLowerCase()) {
      mismatch.push(`trusted sequencer ${toAddress(sequencer as string)} ≠ ${toAddress(opts.sequencer)}`);
    }
    if ((aggregator as string).toLowerCase() !== opts.aggregator.toLowerCase()) {
      mismatch.push(`trusted aggregator ${toAddress(aggregator as string)} ≠ ${toAddress(opts.aggregator)}`);
    }
    if (opts.forceBatchTimeout !== undefined) {
      const [timeout] = await view(url, rollupInterface, r, 'forceBatchTimeout');
      if (timeout !== opts.forceBatchTimeout)
        mismatch.push(`forceBatchTimeout ${timeout} ≠ ${opts.forceBatchTimeout}`);
    }
    if (opts.batchFee !== undefined) {
      const [fee] = await view(url, rollupInterface, r, 'getForcedBatchFee');
      if (fee !== opts.batchFee) mismatch.push(`forced batch fee ${fee} ≠ ${opts.batchFee}`);
    }
    for (const p of opts.provers) {
      const [ok] = await view(url, verifierInterface, addresses.verifier, 'isProver', [p]);
      if (!ok) mismatch.push(`prover ${p} not registered`);
    }
    if (mismatch.length > 0) {
      throw new L1DeploymentError('the L1 contracts already deployed have other settings', {
        details: mismatch.join('; '),
      });
    }
    return { ...addresses, deployer: from, l1ChainId, deploymentBlock: block as bigint, reused: true };
  }

  const gasPrice = opts.gasPrice ?? BigInt(await rpc<string>(url, 'eth_gasPrice', [])) * 2n;
  const timeout = opts.receiptTimeoutMs ?? 60_000;
  const deploys: PlannedTx[] = [
    {
      what: 'deploy LevitationFeeToken',
      to: null,
      data: deployData('LevitationFeeToken', feeTokenInterface, ['Levitation Fee Token', 'LFT', from]),
    },
    {
      what: 'deploy AttestationVerifier',
      to: null,
      data: deployData('AttestationVerifier', verifierInterface, [from]),
    },
    {
      what: 'deploy LevitationGlobalExitRoot',
      to: null,
      data: deployData('LevitationGlobalExitRoot', globalExitRootInterface, [addresses.rollup, from]),
    },
    {
      what: 'deploy LevitationZkEVM',
      to: null,
      data: deployData('LevitationZkEVM', rollupInterface, [
        addresses.globalExitRootManager,
        addresses.feeToken,
        addresses.verifier,
        opts.sequencer,
        opts.aggregator,
        chainIdL2,
        forkId,
        opts.genesisRoot,
        opts.forceBatchTimeout ?? 60n,
        opts.batchFee ?? TOKEN,
      ]),
    },
  ];
  const deployed = await sendPlanned(url, key, from, l1ChainId, gasPrice, 0, deploys, timeout);
  const expected = [
    addresses.feeToken,
    addresses.verifier,
    addresses.globalExitRootManager,
    addresses.rollup,
  ];
  for (const [i, r] of deployed.entries()) {
    if (r.contractAddress !== expected[i]) {
      throw new L1DeploymentError(
        `${deploys[i]!.what} created ${r.contractAddress}, expected ${expected[i]}`,
      );
    }
  }
  const setup: PlannedTx[] = [
    ...opts.provers.map((p) => ({
      what: `register prover ${p}`,
      to: addresses.verifier,
      data: verifierInterface.encodeFunctionData('addProver', [p]) as Hex,
    })),
    ...(opts.mints ?? [{ to: from, amount: 1_000_000n * TOKEN }]).map((m) => ({
      what: `mint ${m.amount} fee tokens to ${m.to}`,
      to: addresses.feeToken,
      data: feeTokenInterface.encodeFunctionData('mint', [m.to, m.amount]) as Hex,
    })),
  ];
  await sendPlanned(url, key, from, l1ChainId, gasPrice, deploys.length, setup, timeout);
  return {
    ...addresses,
    deployer: from,
    l1ChainId,
    deploymentBlock: deployed[3]!.blockNumber,
    reused: false,
  };
}
