/** Errors of L1 synchronisation (STYLE §11–12): what the `l1-sync` decider and the synchronizer throw. */
import { NodeError } from '../../errors/index.ts';

/**
 * The L1 data of a scan does not link to the stored cursor (a reorg happened while the range was read). Nothing of
 * that scan may be stored; the next pass's cursor check finds the reorg and rewinds.
 */
export class L1ChainMismatchError extends NodeError<'L1ChainMismatchError'> {
  override name = 'L1ChainMismatchError' as const;
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'L1_CHAIN_MISMATCH', severity: 'reset' });
  }
}

/**
 * L1 data that contradicts what was synchronised before: a sequence that does not follow the last virtual batch, a
 * verification past it, a forced batch out of order or unknown. The contracts rule these out, so it means blocks
 * were missed (a wrong deployment block, another contract) — the node halts rather than guess.
 */
export class L1SyncConsistencyError extends NodeError<'L1SyncConsistencyError'> {
  override name = 'L1SyncConsistencyError' as const;
  constructor(shortMessage: string, opts: { details?: string } = {}) {
    super(shortMessage, { ...opts, code: 'L1_SYNC_CONSISTENCY', severity: 'critical' });
  }
}

/**
 * A batch sequenced or verified on L1 differs from the trusted chain (the reference's "trusted reorg"). A node that
 * runs the trusted sequencer halts on it; the message names the batch and the field.
 */
export class TrustedReorgError extends NodeError<'TrustedReorgError'> {
  override name = 'TrustedReorgError' as const;
  readonly batchNumber: bigint;
  readonly field: string;
  constructor(
    d: {
      batchNumber: string;
      field: string;
      trusted: string | null;
      l1: string;
      l1Block: string;
      txHash: string;
    },
    opts: { details?: string } = {},
  ) {
    const where = `L1 block ${d.l1Block}, tx ${d.txHash}`;
    super(
      d.trusted === null
        ? `trusted reorg: batch ${d.batchNumber} is on L1 but not in the trusted chain (${where})`
        : `trusted reorg: batch ${d.batchNumber} differs from L1 in ${d.field} (trusted ${d.trusted}, L1 ${d.l1}; ${where})`,
      { ...opts, code: 'TRUSTED_REORG', severity: 'critical' },
    );
    this.batchNumber = BigInt(d.batchNumber);
    this.field = d.field;
  }
}
