/**
 * Child process for the runner crash test: runs the counting projection over the log of `LEV_TEST_RUNNER_DB`
 * in small, slow batches until killed. Prints `running` once started.
 */
import { createProjectionRunner, createReadModelDb } from '../../projections/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { countingProjection } from './counting-projection.ts';

const url = process.env['LEV_TEST_RUNNER_DB']!;
const pool = createPgPool(url);
const store = await createPostgresEventStore({ pool });
const db = createReadModelDb(url, { schema: process.env['LEV_TEST_RUNNER_SCHEMA'] ?? 'lev_rm' });
const runner = createProjectionRunner({ store, db, projections: [countingProjection(20)], batchSize: 25 });
process.stdout.write('running\n');
await runner.run();
