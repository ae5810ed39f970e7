import type { ReadModelDb } from '../../../projections/index.ts';
import type { AccountReader } from '../../execution/index.ts';
import type { PoolIntake } from './intake.ts';

/** What the pool methods need from the node. */
export type PoolRpcDeps = {
  db: ReadModelDb;
  intake: PoolIntake;
  accounts: AccountReader;
};
