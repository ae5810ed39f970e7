import { NodeError } from '../errors/index.ts';

/**
 * A pool rule refused a tx. `shortMessage` is the reference node's exact error string
 * (`reference/zkevm-node-spec.md` §3); JSON-RPC returns it verbatim with code -32000.
 */
export class PoolError extends NodeError<'PoolError'> {
  override name = 'PoolError' as const;
  readonly rule: PoolRule;

  constructor(rule: PoolRule, message: string) {
    super(message, { code: `POOL_${rule.toUpperCase()}`, severity: 'temporary' });
    this.rule = rule;
  }

  static invalidSender(): PoolError {
    return new PoolError('invalid_sender', 'invalid sender');
  }
}

export type PoolRule =
  | 'invalid_ip'
  | 'invalid_sender'
  | 'invalid_chain_id'
  | 'tx_type_not_supported'
  | 'oversized_data'
  | 'blocked_sender'
  | 'nonce_too_low'
  | 'nonce_too_high'
  | 'pool_full'
  | 'gas_price_too_low'
  | 'insufficient_funds'
  | 'gas_uint64_overflow'
  | 'intrinsic_gas_too_low'
  | 'already_known'
  | 'replacement_underpriced'
  | 'data_too_big'
  | 'chain_id_too_high'
  | 'exceeds_block_gas_limit';
