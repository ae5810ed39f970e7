// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IGlobalExitRootManager.sol";

/**
 * @title LevitationGlobalExitRoot
 * @notice The global-exit-root manager with the ABI of PolygonZkEVMGlobalExitRoot (fork 5). The global exit root
 * is keccak256(lastMainnetExitRoot ‖ lastRollupExitRoot); each new one is stored with the block timestamp in
 * `globalExitRootMap` and announced by `UpdateGlobalExitRoot`. The rollup updates the rollup exit root when it
 * verifies batches; the bridge (on the dev L1: the deployer, as there is no bridge yet) the mainnet exit root.
 */
contract LevitationGlobalExitRoot is IGlobalExitRootManager {
    address public immutable rollupAddress;
    address public immutable bridgeAddress;

    bytes32 public lastRollupExitRoot;
    bytes32 public lastMainnetExitRoot;

    mapping(bytes32 => uint256) public globalExitRootMap;

    event UpdateGlobalExitRoot(bytes32 indexed mainnetExitRoot, bytes32 indexed rollupExitRoot);

    error OnlyAllowedContracts();

    constructor(address rollupAddress_, address bridgeAddress_) {
        rollupAddress = rollupAddress_;
        bridgeAddress = bridgeAddress_;
    }

    function updateExitRoot(bytes32 newRoot) external {
        if (msg.sender != rollupAddress && msg.sender != bridgeAddress) revert OnlyAllowedContracts();
        if (msg.sender == rollupAddress) lastRollupExitRoot = newRoot;
        if (msg.sender == bridgeAddress) lastMainnetExitRoot = newRoot;

        bytes32 mainnetExitRoot = lastMainnetExitRoot;
        bytes32 rollupExitRoot = lastRollupExitRoot;
        bytes32 newGlobalExitRoot = keccak256(abi.encodePacked(mainnetExitRoot, rollupExitRoot));
        if (globalExitRootMap[newGlobalExitRoot] == 0) {
            globalExitRootMap[newGlobalExitRoot] = block.timestamp;
            emit UpdateGlobalExitRoot(mainnetExitRoot, rollupExitRoot);
        }
    }

    function getLastGlobalExitRoot() external view returns (bytes32) {
        return keccak256(abi.encodePacked(lastMainnetExitRoot, lastRollupExitRoot));
    }
}
