/** geth's TraceConfig `timeout` is a Go duration (`time.ParseDuration`): the values and errors Go gives. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGoDuration, traceConfig } from '../../src/rpc/methods/index.ts';

test('Go durations in milliseconds', () => {
  const cases: [string, number][] = [
    ['300ms', 300],
    ['1.5s', 1500],
    ['.5s', 500],
    ['2m30s', 150_000],
    ['1h', 3_600_000],
    ['-1h', -3_600_000],
    ['+5s', 5000],
    ['0', 0],
    ['-0', -0],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
  ];
  for (const [text, ms] of cases) assert.is(parseGoDuration(text), ms, text);
});

test('what Go refuses, in its words', () => {
  const cases: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['1', 'time: missing unit in duration "1"'],
    ['1s2', 'time: missing unit in duration "1s2"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1.2.3s', 'time: missing unit in duration "1.2.3s"'],
  ];
  for (const [text, message] of cases)
    assert.throws(
      () => parseGoDuration(text),
      (e: Error) => e.message === message,
      text,
    );
});

test('the trace config carries the timeout with either tracer', () => {
  assert.equal(traceConfig.parse({ timeout: '10s' }), {
    tracer: 'structLogger',
    config: {},
    timeoutMs: 10_000,
  });
  assert.equal(traceConfig.parse({ tracer: 'callTracer', timeout: '250ms' }), {
    tracer: 'callTracer',
    config: {},
    timeoutMs: 250,
  });
  assert.equal(traceConfig.parse({}), { tracer: 'structLogger', config: {} });
});

test.run();
