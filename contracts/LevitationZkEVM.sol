// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IVerifier.sol";
import "./IGlobalExitRootManager.sol";

/// @notice The part of ERC20 the rollup uses to collect forced-batch fees.
interface IFeeToken {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/**
 * @title LevitationZkEVM
 * @notice The rollup contract of the Levitation node with the ABI and semantics of PolygonZkEVM fork 5
 * (pre-etrog `sequenceBatches(BatchData[],address)`, selector 0x5e9145c9), so the same etherman drives either.
 *
 * - The trusted sequencer appends batches (`sequenceBatches`); each extends the accumulated input hash
 *   accInputHash = keccak256(oldAccInputHash ‖ keccak256(transactions) ‖ globalExitRoot ‖ uint64 timestamp ‖
 *   l2Coinbase) (packed). `sequencedBatches[n]` is stored for the last batch n of each sequence only.
 * - Anyone can force a batch (`forceBatch`), paying `getForcedBatchFee()` in the fee token; the trusted sequencer
 *   includes forced batches in order (minForcedTimestamp ≠ 0), or after `forceBatchTimeout` anyone can sequence
 *   them (`sequenceForceBatches`), with block.timestamp and msg.sender as timestamp and coinbase.
 * - The trusted aggregator verifies a range (`verifyBatchesTrustedAggregator`): the verifier must accept the
 *   proof for the public input uint256(keccak256(getInputSnarkBytes(...))) (DESIGN §7); then the new state root is
 *   stored and the rollup exit root handed to the global-exit-root manager.
 *
 * Left out of fork 5, as the dev L1 has no use for them: proxies/initializer, pending states (pendingStateNum must
 * be 0), the sequencing collateral and aggregator reward, batch-fee adaptation, emergency state, the permissionless
 * `verifyBatches`, and the Goldilocks range check on the new state root (our state roots are keccak MPT roots).
 */
contract LevitationZkEVM {
    struct BatchData {
        bytes transactions;
        bytes32 globalExitRoot;
        uint64 timestamp;
        uint64 minForcedTimestamp;
    }

    struct ForcedBatchData {
        bytes transactions;
        bytes32 globalExitRoot;
        uint64 minForcedTimestamp;
    }

    struct SequencedBatchData {
        bytes32 accInputHash;
        uint64 sequencedTimestamp;
        uint64 previousLastBatchSequenced;
    }

    // Max bytes of a sequenced batch's transactions (DESIGN §6: batches close at 120000 bytes).
    uint256 internal constant _MAX_TRANSACTIONS_BYTE_LENGTH = 120000;
    // Max bytes of a forced batch's transactions.
    uint256 internal constant _MAX_FORCE_BATCH_BYTE_LENGTH = 5000;
    // Max batches per sequence.
    uint256 internal constant _MAX_VERIFY_BATCHES = 1000;

    IGlobalExitRootManager public immutable globalExitRootManager;
    IFeeToken public immutable feeToken;
    IVerifier public immutable rollupVerifier;
    uint64 public immutable chainID;
    uint64 public immutable forkID;
    /// @notice The L1 block this contract was created in: where a synchronizer starts.
    uint256 public immutable deploymentBlockNumber;

    address public admin;
    address public trustedSequencer;
    address public trustedAggregator;
    /// @notice Seconds after a forced batch's timestamp from which anyone may sequence it.
    uint64 public forceBatchTimeout;
    /// @notice Fee-token amount a forced batch costs.
    uint256 public batchFee;

    // forceBatchNum => keccak256(keccak256(transactions) ‖ globalExitRoot ‖ uint64 minForcedTimestamp)
    mapping(uint64 => bytes32) public forcedBatches;
    // last batch number of a sequence => its data
    mapping(uint64 => SequencedBatchData) public sequencedBatches;
    // verified batch number => state root (0 => genesis root)
    mapping(uint64 => bytes32) public batchNumToStateRoot;

    uint64 public lastTimestamp;
    uint64 public lastBatchSequenced;
    uint64 public lastForceBatchSequenced;
    uint64 public lastForceBatch;
    uint64 public lastVerifiedBatch;

    event SequenceBatches(uint64 indexed numBatch);
    event ForceBatch(uint64 indexed forceBatchNum, bytes32 lastGlobalExitRoot, address sequencer, bytes transactions);
    event SequenceForceBatches(uint64 indexed numBatch);
    event VerifyBatchesTrustedAggregator(uint64 indexed numBatch, bytes32 stateRoot, address indexed aggregator);
    event SetTrustedSequencer(address newTrustedSequencer);
    event SetTrustedAggregator(address newTrustedAggregator);

    error OnlyAdmin();
    error OnlyTrustedSequencer();
    error OnlyTrustedAggregator();
    error SequenceZeroBatches();
    error ExceedMaxVerifyBatches();
    error ForcedDataDoesNotMatch();
    error SequencedTimestampBelowForcedTimestamp();
    error GlobalExitRootNotExist();
    error TransactionsLengthAboveMax();
    error SequencedTimestampInvalid();
    error ForceBatchesOverflow();
    error NotEnoughMaticAmount();
    error FeeTransferFailed();
    error ForceBatchTimeoutNotExpired();
    error PendingStateDoesNotExist();
    error OldStateRootDoesNotExist();
    error InitNumBatchAboveLastVerifiedBatch();
    error FinalNumBatchBelowLastVerifiedBatch();
    error OldAccInputHashDoesNotExist();
    error NewAccInputHashDoesNotExist();
    error InvalidProof();

    modifier onlyAdmin() {
        if (msg.sender != admin) revert OnlyAdmin();
        _;
    }

    modifier onlyTrustedSequencer() {
        if (msg.sender != trustedSequencer) revert OnlyTrustedSequencer();
        _;
    }

    modifier onlyTrustedAggregator() {
        if (msg.sender != trustedAggregator) revert OnlyTrustedAggregator();
        _;
    }

    /**
     * @param globalExitRootManager_ The global-exit-root manager.
     * @param feeToken_ The ERC20 forced-batch fees are paid in.
     * @param rollupVerifier_ The proof verifier.
     * @param trustedSequencer_ The only sender of `sequenceBatches`.
     * @param trustedAggregator_ The only sender of `verifyBatchesTrustedAggregator`.
     * @param chainID_ The L2 chain id (1001 in dev).
     * @param forkID_ The fork id (5).
     * @param genesisRoot The L2 genesis state root (`batchNumToStateRoot[0]`).
     * @param forceBatchTimeout_ Seconds before anyone may sequence a forced batch.
     * @param batchFee_ Fee-token amount per forced batch.
     */
    constructor(
        IGlobalExitRootManager globalExitRootManager_,
        IFeeToken feeToken_,
        IVerifier rollupVerifier_,
        address trustedSequencer_,
        address trustedAggregator_,
        uint64 chainID_,
        uint64 forkID_,
        bytes32 genesisRoot,
        uint64 forceBatchTimeout_,
        uint256 batchFee_
    ) {
        globalExitRootManager = globalExitRootManager_;
        feeToken = feeToken_;
        rollupVerifier = rollupVerifier_;
        chainID = chainID_;
        forkID = forkID_;
        deploymentBlockNumber = block.number;
        admin = msg.sender;
        trustedSequencer = trustedSequencer_;
        trustedAggregator = trustedAggregator_;
        batchNumToStateRoot[0] = genesisRoot;
        forceBatchTimeout = forceBatchTimeout_;
        batchFee = batchFee_;
    }

    /////////////////////////////////////
    // Sequence and verify
    /////////////////////////////////////

    /**
     * @notice The trusted sequencer appends batches. A batch with minForcedTimestamp ≠ 0 consumes the next forced
     * batch, whose transactions, global exit root and timestamp it must repeat.
     * @param batches The batches, in order.
     * @param l2Coinbase The address that receives the L2 fees of these batches (part of the accInputHash).
     */
    function sequenceBatches(BatchData[] calldata batches, address l2Coinbase) external onlyTrustedSequencer {
        uint256 batchesNum = batches.length;
        if (batchesNum == 0) revert SequenceZeroBatches();
        if (batchesNum > _MAX_VERIFY_BATCHES) revert ExceedMaxVerifyBatches();

        uint64 currentTimestamp = lastTimestamp;
        uint64 currentBatchSequenced = lastBatchSequenced;
        uint64 currentLastForceBatchSequenced = lastForceBatchSequenced;
        bytes32 currentAccInputHash = sequencedBatches[currentBatchSequenced].accInputHash;
        uint64 initLastForceBatchSequenced = currentLastForceBatchSequenced;

        for (uint256 i = 0; i < batchesNum; i++) {
            BatchData calldata currentBatch = batches[i];
            bytes32 currentTransactionsHash = keccak256(currentBatch.transactions);

            if (currentBatch.minForcedTimestamp > 0) {
                currentLastForceBatchSequenced++;
                bytes32 hashedForcedBatchData = keccak256(
                    abi.encodePacked(
                        currentTransactionsHash,
                        currentBatch.globalExitRoot,
                        currentBatch.minForcedTimestamp
                    )
                );
                if (hashedForcedBatchData != forcedBatches[currentLastForceBatchSequenced]) {
                    revert ForcedDataDoesNotMatch();
                }
                delete forcedBatches[currentLastForceBatchSequenced];
                if (currentBatch.timestamp < currentBatch.minForcedTimestamp) {
                    revert SequencedTimestampBelowForcedTimestamp();
                }
            } else {
                if (
                    currentBatch.globalExitRoot != bytes32(0) &&
                    globalExitRootManager.globalExitRootMap(currentBatch.globalExitRoot) == 0
                ) {
                    revert GlobalExitRootNotExist();
                }
                if (currentBatch.transactions.length > _MAX_TRANSACTIONS_BYTE_LENGTH) {
                    revert TransactionsLengthAboveMax();
                }
            }

            if (currentBatch.timestamp < currentTimestamp || currentBatch.timestamp > block.timestamp) {
                revert SequencedTimestampInvalid();
            }

            currentAccInputHash = keccak256(
                abi.encodePacked(
                    currentAccInputHash,
                    currentTransactionsHash,
                    currentBatch.globalExitRoot,
                    currentBatch.timestamp,
                    l2Coinbase
                )
            );
            currentTimestamp = currentBatch.timestamp;
        }
        currentBatchSequenced += uint64(batchesNum);

        // Unreachable while forcedBatches[n] is zero for n > lastForceBatch; kept as the reference keeps it.
        if (currentLastForceBatchSequenced > lastForceBatch) revert ForceBatchesOverflow();

        sequencedBatches[currentBatchSequenced] = SequencedBatchData({
            accInputHash: currentAccInputHash,
            sequencedTimestamp: uint64(block.timestamp),
            previousLastBatchSequenced: lastBatchSequenced
        });
        lastTimestamp = currentTimestamp;
        lastBatchSequenced = currentBatchSequenced;
        if (currentLastForceBatchSequenced != initLastForceBatchSequenced) {
            lastForceBatchSequenced = currentLastForceBatchSequenced;
        }

        emit SequenceBatches(currentBatchSequenced);
    }

    /**
     * @notice The trusted aggregator verifies batches initNumBatch+1 … finalNewBatch.
     * @param pendingStateNum Must be 0 (no pending states here).
     * @param initNumBatch A verified batch (usually the last) whose state root the proof starts from.
     * @param finalNewBatch The last batch of a sequence, above the last verified batch.
     * @param newLocalExitRoot The L2 local exit root after finalNewBatch (becomes the rollup exit root).
     * @param newStateRoot The L2 state root after finalNewBatch.
     * @param proof Accepted by the verifier for the public input of {getInputSnarkBytes}.
     */
    function verifyBatchesTrustedAggregator(
        uint64 pendingStateNum,
        uint64 initNumBatch,
        uint64 finalNewBatch,
        bytes32 newLocalExitRoot,
        bytes32 newStateRoot,
        bytes32[24] calldata proof
    ) external onlyTrustedAggregator {
        if (pendingStateNum != 0) revert PendingStateDoesNotExist();
        bytes32 oldStateRoot = batchNumToStateRoot[initNumBatch];
        if (oldStateRoot == bytes32(0)) revert OldStateRootDoesNotExist();
        uint64 currentLastVerifiedBatch = lastVerifiedBatch;
        if (initNumBatch > currentLastVerifiedBatch) revert InitNumBatchAboveLastVerifiedBatch();
        if (finalNewBatch <= currentLastVerifiedBatch) revert FinalNumBatchBelowLastVerifiedBatch();

        bytes memory snarkHashBytes = getInputSnarkBytes(
            initNumBatch,
            finalNewBatch,
            newLocalExitRoot,
            oldStateRoot,
            newStateRoot
        );
        uint256 inputSnark = uint256(keccak256(snarkHashBytes));
        if (!rollupVerifier.verifyProof(proof, [inputSnark])) revert InvalidProof();

        lastVerifiedBatch = finalNewBatch;
        batchNumToStateRoot[finalNewBatch] = newStateRoot;
        globalExitRootManager.updateExitRoot(newLocalExitRoot);

        emit VerifyBatchesTrustedAggregator(finalNewBatch, newStateRoot, msg.sender);
    }

    /**
     * @notice The bytes whose keccak256 is the proof's public input (DESIGN §7), for msg.sender as aggregator:
     * abi.encodePacked(uint64 chainID, uint64 forkID, uint64 initNumBatch, uint64 finalNewBatch,
     * bytes32 oldStateRoot, bytes32 newStateRoot, bytes32 oldAccInputHash, bytes32 newAccInputHash,
     * bytes32 newLocalExitRoot, address aggregator) — 8·4 + 32·5 + 20 = 212 bytes.
     */
    function getInputSnarkBytes(
        uint64 initNumBatch,
        uint64 finalNewBatch,
        bytes32 newLocalExitRoot,
        bytes32 oldStateRoot,
        bytes32 newStateRoot
    ) public view returns (bytes memory) {
        bytes32 oldAccInputHash = sequencedBatches[initNumBatch].accInputHash;
        bytes32 newAccInputHash = sequencedBatches[finalNewBatch].accInputHash;
        if (initNumBatch != 0 && oldAccInputHash == bytes32(0)) revert OldAccInputHashDoesNotExist();
        if (newAccInputHash == bytes32(0)) revert NewAccInputHashDoesNotExist();
        return
            abi.encodePacked(
                chainID,
                forkID,
                initNumBatch,
                finalNewBatch,
                oldStateRoot,
                newStateRoot,
                oldAccInputHash,
                newAccInputHash,
                newLocalExitRoot,
                msg.sender
            );
    }

    /////////////////////////////////////
    // Forced batches
    /////////////////////////////////////

    /**
     * @notice Anyone forces a batch of L2 transactions, paying getForcedBatchFee() in the fee token (approve
     * first); `feeAmount` is the most the caller accepts to pay. The event carries the transactions only when the
     * caller is a contract: an EOA's are in the calldata (as fork 5 does).
     */
    function forceBatch(bytes calldata transactions, uint256 feeAmount) external {
        uint256 fee = getForcedBatchFee();
        if (fee > feeAmount) revert NotEnoughMaticAmount();
        if (transactions.length > _MAX_FORCE_BATCH_BYTE_LENGTH) revert TransactionsLengthAboveMax();

        if (!feeToken.transferFrom(msg.sender, address(this), fee)) revert FeeTransferFailed();

        bytes32 lastGlobalExitRoot = globalExitRootManager.getLastGlobalExitRoot();
        uint64 forceBatchNum = lastForceBatch + 1;
        lastForceBatch = forceBatchNum;
        forcedBatches[forceBatchNum] = keccak256(
            abi.encodePacked(keccak256(transactions), lastGlobalExitRoot, uint64(block.timestamp))
        );

        if (msg.sender == tx.origin) {
            emit ForceBatch(forceBatchNum, lastGlobalExitRoot, msg.sender, "");
        } else {
            emit ForceBatch(forceBatchNum, lastGlobalExitRoot, msg.sender, transactions);
        }
    }

    /**
     * @notice Anyone sequences the next forced batches, in order, once forceBatchTimeout has passed since each
     * one's timestamp. Timestamp and coinbase of these batches are block.timestamp and msg.sender.
     */
    function sequenceForceBatches(ForcedBatchData[] calldata batches) external {
        uint256 batchesNum = batches.length;
        if (batchesNum == 0) revert SequenceZeroBatches();
        if (batchesNum > _MAX_VERIFY_BATCHES) revert ExceedMaxVerifyBatches();
        if (uint256(lastForceBatchSequenced) + batchesNum > uint256(lastForceBatch)) revert ForceBatchesOverflow();

        uint64 currentBatchSequenced = lastBatchSequenced;
        uint64 currentLastForceBatchSequenced = lastForceBatchSequenced;
        bytes32 currentAccInputHash = sequencedBatches[currentBatchSequenced].accInputHash;

        for (uint256 i = 0; i < batchesNum; i++) {
            ForcedBatchData calldata currentBatch = batches[i];
            currentLastForceBatchSequenced++;
            bytes32 currentTransactionsHash = keccak256(currentBatch.transactions);
            bytes32 hashedForcedBatchData = keccak256(
                abi.encodePacked(currentTransactionsHash, currentBatch.globalExitRoot, currentBatch.minForcedTimestamp)
            );
            if (hashedForcedBatchData != forcedBatches[currentLastForceBatchSequenced]) {
                revert ForcedDataDoesNotMatch();
            }
            delete forcedBatches[currentLastForceBatchSequenced];
            if (uint256(currentBatch.minForcedTimestamp) + forceBatchTimeout > block.timestamp) {
                revert ForceBatchTimeoutNotExpired();
            }
            currentAccInputHash = keccak256(
                abi.encodePacked(
                    currentAccInputHash,
                    currentTransactionsHash,
                    currentBatch.globalExitRoot,
                    uint64(block.timestamp),
                    msg.sender
                )
            );
        }
        currentBatchSequenced += uint64(batchesNum);

        lastTimestamp = uint64(block.timestamp);
        sequencedBatches[currentBatchSequenced] = SequencedBatchData({
            accInputHash: currentAccInputHash,
            sequencedTimestamp: uint64(block.timestamp),
            previousLastBatchSequenced: lastBatchSequenced
        });
        lastBatchSequenced = currentBatchSequenced;
        lastForceBatchSequenced = currentLastForceBatchSequenced;

        emit SequenceForceBatches(currentBatchSequenced);
    }

    /////////////////////////////////////
    // Views and admin
    /////////////////////////////////////

    /// @notice Fee-token amount `forceBatch` takes.
    function getForcedBatchFee() public view returns (uint256) {
        return batchFee;
    }

    /// @notice The last verified batch (no pending states here, so `lastVerifiedBatch`).
    function getLastVerifiedBatch() external view returns (uint64) {
        return lastVerifiedBatch;
    }

    function setTrustedSequencer(address newTrustedSequencer) external onlyAdmin {
        trustedSequencer = newTrustedSequencer;
        emit SetTrustedSequencer(newTrustedSequencer);
    }

    function setTrustedAggregator(address newTrustedAggregator) external onlyAdmin {
        trustedAggregator = newTrustedAggregator;
        emit SetTrustedAggregator(newTrustedAggregator);
    }
}
