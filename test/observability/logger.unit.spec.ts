import { PassThrough } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/config/index.ts';
import { NodeError } from '../../src/errors/index.ts';
import { createLogger, createMetrics, streamCategory } from '../../src/observability/index.ts';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d.toString()));
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

test('JSON lines by default for a non-TTY destination, level from LEV_LOG_LEVEL', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream, env: { LEV_LOG_LEVEL: 'warn' }, name: 'sequencer' });
  log.info('hidden');
  log.warn({ batch: 3 }, 'batch closed late');
  const lines = out.lines();
  assert.is(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.is(line['msg'], 'batch closed late');
  assert.is(line['level'], 40);
  assert.is(line['batch'], 3);
  assert.is(line['name'], 'sequencer');
  assert.match(String(line['time']), /^\d{4}-\d\d-\d\dT/);
});

test('the level option beats the environment; silent logs nothing', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream, level: 'debug', env: { LEV_LOG_LEVEL: 'error' } });
  log.debug('shown');
  const quiet = createLogger({ destination: out.stream, env: { LEV_LOG_LEVEL: 'silent' } });
  quiet.fatal('never');
  assert.is(out.lines().length, 1);
  assert.is(quiet.level, 'silent');
});

test('secrets are redacted and NodeErrors logged with their severity', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream, env: {} });
  log.error(
    { key: { privateKey: '0xsecret' }, err: new NodeError('boom', { code: 'X', severity: 'reset' }) },
    'failed',
  );
  const line = out.lines()[0]!;
  assert.not.ok(line.includes('0xsecret'));
  const parsed = JSON.parse(line) as { err: Record<string, unknown> };
  assert.is(parsed.err['severity'], 'reset');
  assert.is(parsed.err['code'], 'X');
});

test('pretty output is readable text, forced by LEV_LOG_PRETTY=1', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream, env: { LEV_LOG_PRETTY: '1' } });
  log.info({ batch: 7 }, 'batch closed');
  const text = out.lines().join('\n');
  assert.match(text, /INFO.*batch closed/);
  assert.match(text, /batch: 7/);
  assert.throws(() => JSON.parse(out.lines()[0]!));
});

test('an unknown level is a ConfigError naming its source', () => {
  try {
    createLogger({ env: { LEV_LOG_LEVEL: 'verbose' } });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is(
      (err as Error).message,
      'config: log level = "verbose" (from LEV_LOG_LEVEL): expected one of fatal, error, warn, info, debug, trace, silent',
    );
  }
});

test('stream categories drop the id part', () => {
  assert.is(streamCategory('tx-0xabcdef'), 'tx');
  assert.is(streamCategory('l1tx-12'), 'l1tx');
  assert.is(streamCategory('l2'), 'l2');
  assert.is(streamCategory('sequence-sender'), 'sequence-sender');
  assert.is(streamCategory('l1-sync'), 'l1-sync');
  assert.is(streamCategory('aggregator'), 'aggregator');
});

test('each createMetrics has its own registry', async () => {
  const a = createMetrics({ defaultMetrics: false });
  const b = createMetrics({ defaultMetrics: false });
  a.recordAppend('l2', 5);
  assert.match(await a.text(), /lev_events_appended_total\{stream_category="l2"\} 5/);
  assert.not.match(await b.text(), /stream_category="l2"/);
  a.recordProjection('pool', 10n, 7n);
  assert.match(await a.text(), /lev_projection_lag_events\{projection="pool"\} 0/);
});

test.run();
