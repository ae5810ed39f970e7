/**
 * Where the L1 contracts are: the deployer creates them at nonces 0–3 (fee token, verifier, GER manager, rollup;
 * `deploy.ts` deploys them in that order), so their addresses are known before any chain runs. No ethers here:
 * the configuration computes the dev defaults with it on every start-up. Pure.
 */
import { type Address, contractAddress } from '../../primitives/index.ts';

/** The addresses of the four contracts. */
export type L1ContractAddresses = {
  feeToken: Address;
  verifier: Address;
  globalExitRootManager: Address;
  rollup: Address;
};

/** The nonce of the deployer's creation of each contract. */
export const L1_DEPLOYMENT_NONCES = {
  feeToken: 0,
  verifier: 1,
  globalExitRootManager: 2,
  rollup: 3,
} as const;

/** The deterministic addresses of the contracts deployed by `deployer` (nonces 0–3). Pure. */
export function predictL1ContractAddresses(deployer: Address): L1ContractAddresses {
  const at = (nonce: number) => contractAddress(deployer, nonce);
  return {
    feeToken: at(L1_DEPLOYMENT_NONCES.feeToken),
    verifier: at(L1_DEPLOYMENT_NONCES.verifier),
    globalExitRootManager: at(L1_DEPLOYMENT_NONCES.globalExitRootManager),
    rollup: at(L1_DEPLOYMENT_NONCES.rollup),
  };
}
