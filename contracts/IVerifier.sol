// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/**
 * @notice The rollup verifier interface of PolygonZkEVM fork 5 (`IVerifierRollup`): a proof of 24 words and one
 * public signal, the public-inputs hash the rollup computes (`uint256(keccak256(getInputSnarkBytes(...)))`, DESIGN §7). A SNARK
 * verifier and the attestation verifier of this repository both implement it.
 */
interface IVerifier {
    function verifyProof(bytes32[24] calldata proof, uint256[1] calldata pubSignals) external view returns (bool);
}
