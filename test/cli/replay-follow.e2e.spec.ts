/**
 * `lev replay --follow --json --stream demo- --from 2` against a configured database (`LEV_DB_URL`, no embedded
 * server): the stored events of the selection from position 2 first, then each event appended afterwards through
 * the event store — only the selected streams, in log order — and SIGINT ends it with status 0.
 */
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type NewEvent } from '../../src/eventstore/index.ts';
import { createTestDatabase } from '../support/db.ts';
import { runLev, tempDataDir } from '../support/node-process.ts';

let n = 0;
const event = (type: string): NewEvent => ({
  id: crypto.randomUUID(),
  type,
  data: { n: String(++n), note: 'ünïcode ✓' },
  metadata: { at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(), actor: 'test' },
});

test('catch-up from --from, then live events of the selected streams; SIGINT exits 0', async () => {
  const db = await createTestDatabase();
  const pool = createPgPool(db.url, { max: 2 });
  const store = await createPostgresEventStore({ pool });
  const dataDir = tempDataDir();
  try {
    await store.append('demo-a', [event('DemoStarted')]); // 1
    await store.append('other', [event('Unrelated')]); // 2
    await store.append('demo-b', [event('DemoStarted'), event('DemoMoved')]); // 3, 4

    const follow = runLev(['replay', '--follow', '--json', '--stream', 'demo-', '--from', '2'], {
      LEV_DB_URL: db.url,
      LEV_NODE_DATA_DIR: dataDir,
    });
    let out = '';
    let err = '';
    follow.child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    follow.child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const waitFor = async (what: () => boolean, label: string) => {
      const deadline = Date.now() + 30_000;
      while (!what()) {
        assert.ok(Date.now() < deadline && follow.child.exitCode === null, `${label}\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await waitFor(() => err.includes('following the log after position 4'), 'caught up');

    await store.append('demo-a', [event('DemoMoved')], 0); // 5
    await store.append('other', [event('Unrelated')]); // 6
    await store.appendMany([
      { streamId: 'demo-c', events: [event('DemoStarted')] }, // 7
      { streamId: 'demo-b', events: [event('DemoStopped')] }, // 8
    ]);
    await waitFor(() => out.split('\n').filter(Boolean).length >= 5, 'the live events');
    follow.child.kill('SIGINT');
    const { code } = await follow.exited;
    assert.is(code, 0, err);
    assert.is(err.split('\n').filter(Boolean).length, 1, err);

    const printed = out
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as { position: string; stream: string; revision: number; type: string; data: object },
      );
    assert.equal(
      printed.map((e) => [e.position, e.stream, e.revision, e.type]),
      [
        ['3', 'demo-b', 0, 'DemoStarted'],
        ['4', 'demo-b', 1, 'DemoMoved'],
        ['5', 'demo-a', 1, 'DemoMoved'],
        ['7', 'demo-c', 0, 'DemoStarted'],
        ['8', 'demo-b', 2, 'DemoStopped'],
      ],
    );
    assert.equal(printed[4]!.data, { n: '8', note: 'ünïcode ✓' });
  } finally {
    await store.close();
    await pool.end();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
