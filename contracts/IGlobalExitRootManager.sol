// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @notice What the rollup needs of the global-exit-root manager (PolygonZkEVMGlobalExitRoot, fork 5).
interface IGlobalExitRootManager {
    /// @notice Timestamp at which a global exit root was first stored, 0 when unknown.
    function globalExitRootMap(bytes32 globalExitRoot) external view returns (uint256);

    /// @notice keccak256(lastMainnetExitRoot ‖ lastRollupExitRoot).
    function getLastGlobalExitRoot() external view returns (bytes32);

    /// @notice The rollup sets the rollup exit root, the bridge the mainnet exit root.
    function updateExitRoot(bytes32 newRoot) external;
}
