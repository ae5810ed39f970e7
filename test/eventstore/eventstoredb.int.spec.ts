/**
 * The EventStoreDB event store against a real server, only when `LEV_TEST_EVENTSTORE_URL` is set (no server can
 * run on the build machines; see DESIGN §4). Otherwise it says so in one line and registers no test.
 */
import { test } from 'uvu';
import { createEventStoreDbEventStore } from '../../src/eventstore/index.ts';
import { eventStoreContract } from './contract.ts';

const url = process.env['LEV_TEST_EVENTSTORE_URL'];

if (url) {
  eventStoreContract('eventstoredb', async (opts = {}) => {
    const store = await createEventStoreDbEventStore({ connectionString: url, ...opts });
    return { store, cleanup: async () => {} };
  });
} else {
  console.log('eventstoredb contract skipped: LEV_TEST_EVENTSTORE_URL is not set');
}

test.run();
