// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IVerifier.sol";

/**
 * @title AttestationVerifier
 * @notice An ATTESTATION verifier, not a zero-knowledge one: it accepts a "proof" that carries an ECDSA signature
 * by a registered prover key over the public-inputs hash. The reference prover re-executes the batches from a
 * witness and signs only when the new state root and accInputHash match; a SNARK verifier can replace this
 * contract behind the same {IVerifier} interface.
 *
 * Proof layout (bytes32[24]):
 *   proof[0] = r, proof[1] = s (lower half of the curve order, EIP-2), proof[2] = v as a uint256 (27 or 28),
 *   proof[3..23] = 0.
 * Signed digest: the public signal itself, `bytes32(pubSignals[0])` — the public-inputs hash of DESIGN §7,
 *   keccak256(abi.encodePacked(uint64 chainId, uint64 forkId, uint64 initNumBatch, uint64 finalNewBatch,
 *   bytes32 oldStateRoot, bytes32 newStateRoot, bytes32 oldAccInputHash, bytes32 newAccInputHash,
 *   bytes32 newLocalExitRoot, address aggregator)), signed as a raw digest.
 * Any other layout, a signer that is not registered, or an unrecoverable signature makes verifyProof return false.
 */
contract AttestationVerifier is IVerifier {
    // secp256k1n / 2
    uint256 private constant _HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    address public owner;
    mapping(address => bool) public isProver;
    uint256 public proverCount;

    event ProverAdded(address indexed prover);
    event ProverRemoved(address indexed prover);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error OnlyOwner();
    error InvalidProverAddress();
    error ProverAlreadyRegistered(address prover);
    error ProverNotRegistered(address prover);

    modifier onlyOwner() {
        if (msg.sender != owner) revert OnlyOwner();
        _;
    }

    constructor(address owner_) {
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    function addProver(address prover) external onlyOwner {
        if (prover == address(0)) revert InvalidProverAddress();
        if (isProver[prover]) revert ProverAlreadyRegistered(prover);
        isProver[prover] = true;
        proverCount += 1;
        emit ProverAdded(prover);
    }

    function removeProver(address prover) external onlyOwner {
        if (!isProver[prover]) revert ProverNotRegistered(prover);
        isProver[prover] = false;
        proverCount -= 1;
        emit ProverRemoved(prover);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice The signer of `proof` over `publicSignal` (layout above), or address(0) when the proof is malformed.
    function attestationSigner(bytes32[24] calldata proof, uint256 publicSignal) public pure returns (address) {
        for (uint256 i = 3; i < 24; i++) {
            if (proof[i] != bytes32(0)) return address(0);
        }
        uint256 v = uint256(proof[2]);
        if (v != 27 && v != 28) return address(0);
        if (uint256(proof[1]) > _HALF_CURVE_ORDER) return address(0);
        return ecrecover(bytes32(publicSignal), uint8(v), proof[0], proof[1]);
    }

    function verifyProof(bytes32[24] calldata proof, uint256[1] calldata pubSignals) external view returns (bool) {
        address signer = attestationSigner(proof, pubSignals[0]);
        return signer != address(0) && isProver[signer];
    }
}
