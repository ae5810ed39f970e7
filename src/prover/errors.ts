import { NodeError } from '../errors/index.ts';

/**
 * A prover request that is malformed (a byte string of the wrong length, a missing message, batches that do not
 * fit the range) or whose claim is false (a root or hash that re-execution does not give, a foreign signature).
 * `field` names the request field in proto spelling (`public_inputs.new_state_root`, `batches[2].coinbase`,
 * `witness.nodes`). Deterministic for the request, so asking again does not help (severity `critical`).
 */
export class ProverInputError extends NodeError<'ProverInputError'> {
  override name = 'ProverInputError' as const;
  /** The request field the error is about. */
  readonly field: string;

  constructor(field: string, message: string, opts: { cause?: unknown } = {}) {
    super(message, {
      code: 'PROVER_INPUT',
      severity: 'critical',
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    this.field = field;
  }
}
