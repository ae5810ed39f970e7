import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptKeystoreJson, Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type Config,
  ConfigError,
  checkRoleRequirements,
  DEV_GENESIS_BALANCE,
  describeConfig,
  devAccount,
  formatConfig,
  isPermissionless,
  type LoadConfigOptions,
  loadConfig,
  loadGenesis,
  loadKey,
  ROLES,
} from '../../src/config/index.ts';
import { NodeError } from '../../src/errors/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'lev-config-'));
let files = 0;
/** Writes a file in the temp dir and returns its path. */
function write(text: string, name = `node-${++files}.toml`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const load = (opts: LoadConfigOptions = {}) => loadConfig({ env: {}, cwd: dir, ...opts });

/** Loads, expects a ConfigError, checks it is one critical line starting with `config:`, returns its message. */
async function failure(opts: LoadConfigOptions): Promise<ConfigError> {
  try {
    await load(opts);
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.instance(err, NodeError);
    const e = err as ConfigError;
    assert.is(e.severity, 'critical');
    assert.is(e.code, 'CONFIG');
    assert.ok(e.message.startsWith('config: '), e.message);
    assert.not.match(e.message, /\n/);
    return e;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(opts)}`);
}

// Well-known addresses of the test mnemonic.
const ACCOUNT_0 = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const ACCOUNT_1 = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const ACCOUNT_2 = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
const ACCOUNT_4 = '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65';

test('defaults follow DESIGN §9', async () => {
  const c = await load();
  assert.is(c.dev, false);
  assert.is(c.configFile, undefined);
  assert.is(c.node.dataDir, join(dir, '.lev'));
  assert.equal(c.node.roles, [...ROLES]);
  assert.is(c.node.mode, 'auto');
  assert.is(c.db.url, undefined);
  assert.equal(c.store, { kind: 'postgres', url: undefined });
  assert.equal(c.rpc, {
    host: '127.0.0.1',
    port: 8123,
    batchLimit: 100,
    maxBodyBytes: 5 * 1024 * 1024,
    rateLimitPerIp: 500,
    sequencerUrl: undefined,
  });
  assert.equal(c.l2, {
    chainId: 1001,
    genesisFile: undefined,
    minGasPrice: 1_000_000_000n,
    coinbase: ACCOUNT_0,
  });
  assert.equal(c.sequencer, { maxTxsPerBatch: 100, maxBatchBytes: 120_000, batchTimeoutMs: 2000 });
  assert.equal(c.l1, {
    url: 'http://127.0.0.1:8545',
    chainId: 1337,
    rollupAddress: undefined,
    gerManagerAddress: undefined,
    confirmations: 2,
    gasBumpAfterMs: 120_000,
    gasBumpPercent: 20,
    maxGasPrice: 1_000_000_000_000n,
  });
  assert.equal(c.prover, { url: 'http://127.0.0.1:50051', listen: { host: '127.0.0.1', port: 50051 } });
  assert.equal(c.keys, { sequencer: undefined, aggregator: undefined, prover: undefined });
  assert.equal(c.pool, {
    accountQueue: 64,
    globalQueue: 1024,
    maxTxBytesSize: 100_132,
    maxTxDataBytesSize: 100_000,
    blockedSenders: [],
    txLifetimeMs: 3 * 3600_000,
  });
  assert.equal(c.metrics, { host: '127.0.0.1', port: 9091 });
  assert.is(c.sources['rpc.port'], 'default');
});

test('--dev derives keys #1, #2, #4 of the test mnemonic', async () => {
  const c = await load({ flags: { dev: true } });
  assert.is(c.dev, true);
  assert.is(c.l1.gasBumpAfterMs, 10_000, 'dev L1 txs are bumped sooner');
  assert.is(c.sources['l1.gasBumpAfterMs'], 'dev default');
  assert.equal(c.keys.sequencer, { kind: 'raw', privateKey: devAccount(1).privateKey, address: ACCOUNT_1 });
  assert.is(c.keys.aggregator?.kind === 'raw' && c.keys.aggregator.address, ACCOUNT_2);
  assert.is(c.keys.prover?.kind === 'raw' && c.keys.prover.address, ACCOUNT_4);
  assert.is(c.sources['keys.sequencer'], 'dev default');
  assert.is(devAccount(0).address, ACCOUNT_0);
  assert.is(devAccount(1).privateKey, '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
  assert.is((await loadKey(c, 'sequencer')).address.toLowerCase(), ACCOUNT_1);
});

test('precedence: defaults < file < env < flags', async () => {
  const file = write(`
[node]
roles = ["rpc", "sequencer"]
[rpc]
port = 9000
host = "0.0.0.0"
[l2]
minGasPrice = "2000000000"
`);
  const fromFile = await load({ file });
  assert.is(fromFile.configFile, file);
  assert.is(fromFile.rpc.port, 9000);
  assert.is(fromFile.rpc.host, '0.0.0.0');
  assert.is(fromFile.l2.minGasPrice, 2_000_000_000n);
  assert.equal(fromFile.node.roles, ['rpc', 'sequencer']);
  assert.is(fromFile.sources['rpc.port'], file);
  assert.is(fromFile.sources['rpc.batchLimit'], 'default');

  const env = { LEV_RPC_PORT: '9100', LEV_NODE_ROLES: 'synchronizer, aggregator', LEV_L2_MIN_GAS_PRICE: '3' };
  const fromEnv = await load({ file, env });
  assert.is(fromEnv.rpc.port, 9100);
  assert.is(fromEnv.rpc.host, '0.0.0.0');
  assert.is(fromEnv.l2.minGasPrice, 3n);
  assert.equal(fromEnv.node.roles, ['synchronizer', 'aggregator']);
  assert.is(fromEnv.sources['rpc.port'], 'LEV_RPC_PORT');

  const fromFlags = await load({ file, env, flags: { roles: ['rpc,sequencer', 'rpc'] } });
  assert.equal(fromFlags.node.roles, ['rpc', 'sequencer']);
  assert.is(fromFlags.sources['node.roles'], '--roles');
  assert.is(fromFlags.rpc.port, 9100);
});

test('every key has an environment variable in upper snake case', async () => {
  const c = await load({
    env: {
      LEV_SEQUENCER_BATCH_TIMEOUT_MS: '500',
      LEV_SEQUENCER_MAX_TXS_PER_BATCH: '7',
      LEV_DB_URL: 'postgres://lev:secret@db:5432/lev',
      LEV_STORE_KIND: 'eventstoredb',
      LEV_STORE_URL: 'esdb://eventstoredb:2113?tls=false',
      LEV_L1_ROLLUP_ADDRESS: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      LEV_L1_GER_MANAGER_ADDRESS: ACCOUNT_1,
      LEV_NODE_DATA_DIR: 'data',
      LEV_POOL_BLOCKED_SENDERS: `${ACCOUNT_1}, ${ACCOUNT_2}`,
      LEV_POOL_TX_LIFETIME_MS: '60000',
      LEV_PROVER_LISTEN: '0.0.0.0:50052',
      LEV_METRICS_PORT: '0',
      LEV_RATE: undefined,
    },
  });
  assert.is(c.sequencer.batchTimeoutMs, 500);
  assert.is(c.sequencer.maxTxsPerBatch, 7);
  assert.is(c.db.url, 'postgres://lev:secret@db:5432/lev');
  assert.equal(c.store, { kind: 'eventstoredb', url: 'esdb://eventstoredb:2113?tls=false' });
  assert.is(c.l1.rollupAddress, ACCOUNT_0, 'checksummed input, lowercase output');
  assert.is(c.node.dataDir, join(dir, 'data'));
  assert.equal(c.pool.blockedSenders, [ACCOUNT_1, ACCOUNT_2]);
  assert.is(c.pool.txLifetimeMs, 60_000);
  assert.is(c.sources['pool.txLifetimeMs'], 'LEV_POOL_TX_LIFETIME_MS');
  assert.equal(c.prover.listen, { host: '0.0.0.0', port: 50052 });
  assert.is(c.metrics.port, 0);
});

test('an empty LEV_DB_URL means the embedded database', async () => {
  const c = await load({ env: { LEV_DB_URL: '' } });
  assert.is(c.db.url, undefined);
});

test('TOML integers, big integers and strings all give wei amounts', async () => {
  assert.is((await load({ file: write('[l2]\nminGasPrice = 1_000\n') })).l2.minGasPrice, 1000n);
  assert.is(
    (await load({ file: write('[l2]\nminGasPrice = 100000000000000000000\n') })).l2.minGasPrice,
    100_000_000_000_000_000_000n,
  );
  assert.is((await load({ file: write('[l2]\nminGasPrice = "0"\n') })).l2.minGasPrice, 0n);
});

test('allow-listed LEV_ variables are not configuration', async () => {
  const c = await load({
    env: {
      LEV_LOG_LEVEL: 'debug',
      LEV_LOG_PRETTY: '1',
      LEV_TEST_DB_URL: 'postgres://x',
      LEV_BENCH_TXS: '10',
      LEV_KEYS_SEQUENCER_PASSWORD: 'pw',
      NOT_LEV_X: 'y',
    },
  });
  assert.is(c.rpc.port, 8123);
});

test('a bad value names the key, the value, its source and why', async () => {
  const fromEnv = await failure({ env: { LEV_RPC_PORT: 'abc' } });
  assert.match(fromEnv.message, /^config: rpc\.port = "abc" \(from LEV_RPC_PORT\): expected an integer port/);
  assert.is(fromEnv.key, 'rpc.port');
  assert.is(fromEnv.source, 'LEV_RPC_PORT');

  const file = write('[rpc]\nport = "8123"\n');
  const fromFile = await failure({ file });
  assert.ok(
    fromFile.message.startsWith(`config: rpc.port = "8123" (from ${file}): expected an integer port`),
  );

  const cases: [LoadConfigOptions, RegExp][] = [
    [
      { env: { LEV_RPC_PORT: '70000' } },
      /rpc\.port = "70000" \(from LEV_RPC_PORT\): expected an integer port/,
    ],
    [{ env: { LEV_METRICS_PORT: '-1' } }, /metrics\.port = "-1" \(from LEV_METRICS_PORT\)/],
    [
      { file: write('[rpc]\nbatchLimit = -1\n') },
      /rpc\.batchLimit = -1 \(from .*\.toml\): expected a positive integer/,
    ],
    [{ env: { LEV_RPC_BATCH_LIMIT: '1.5' } }, /rpc\.batchLimit = "1\.5" \(from LEV_RPC_BATCH_LIMIT\)/],
    [
      { env: { LEV_L2_MIN_GAS_PRICE: '-5' } },
      /l2\.minGasPrice = "-5" \(from LEV_L2_MIN_GAS_PRICE\): expected a non-negative/,
    ],
    [{ env: { LEV_L2_MIN_GAS_PRICE: '1 gwei' } }, /l2\.minGasPrice = "1 gwei"/],
    [
      { env: { LEV_L1_CONFIRMATIONS: '0' } },
      /l1\.confirmations = "0" \(from LEV_L1_CONFIRMATIONS\): expected an integer ≥ 1/,
    ],
    [{ env: { LEV_L2_CHAIN_ID: '0' } }, /l2\.chainId = "0" .*chain id/],
    [
      { env: { LEV_L1_GAS_BUMP_PERCENT: '5' } },
      /l1\.gasBumpPercent = "5" \(from LEV_L1_GAS_BUMP_PERCENT\): expected an integer percent from 10/,
    ],
    [{ file: write('[l1]\ngasBumpAfterMs = 0\n') }, /l1\.gasBumpAfterMs = 0 .*expected a positive integer/],
    [
      { env: { LEV_POOL_TX_LIFETIME_MS: '-1' } },
      /pool\.txLifetimeMs = "-1" \(from LEV_POOL_TX_LIFETIME_MS\): expected a non-negative integer/,
    ],
    [
      { env: { LEV_SEQUENCER_MAX_BATCH_BYTES: '120001' } },
      /sequencer\.maxBatchBytes = "120001" \(from LEV_SEQUENCER_MAX_BATCH_BYTES\): expected a positive integer of at most 120000/,
    ],
    [
      { env: { LEV_L2_COINBASE: '0x1234' } },
      /l2\.coinbase = "0x1234" \(from LEV_L2_COINBASE\): expected a 0x-prefixed 20-byte address/,
    ],
    [
      { env: { LEV_L1_ROLLUP_ADDRESS: '0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266' } },
      /l1\.rollupAddress = .*: bad EIP-55 checksum/,
    ],
    [
      { env: { LEV_L1_URL: 'localhost:8545' } },
      /l1\.url = "localhost:8545" \(from LEV_L1_URL\): expected an L1 JSON-RPC URL/,
    ],
    [
      { env: { LEV_L1_URL: 'ws://127.0.0.1:8545' } },
      /l1\.url = "ws:\/\/127\.0\.0\.1:8545" \(from LEV_L1_URL\): expected an L1 JSON-RPC URL \(http:\/\/, https:\/\/\)$/,
    ],
    [
      { file: write('[l1]\nurl = "wss://l1.example"\n') },
      /l1\.url = "wss:\/\/l1\.example" .*expected an L1 JSON-RPC URL/,
    ],
    [
      { env: { LEV_PROVER_URL: 'grpc://127.0.0.1:50051' } },
      /prover\.url = "grpc:\/\/127\.0\.0\.1:50051" \(from LEV_PROVER_URL\): expected a prover URL \(http:\/\/, https:\/\/\)/,
    ],
    [
      { env: { LEV_DB_URL: 'mysql://db/lev' } },
      /db\.url = "mysql:\/\/db\/lev" \(from LEV_DB_URL\): expected a Postgres URL/,
    ],
    [
      { env: { LEV_STORE_KIND: 'kafka' } },
      /store\.kind = "kafka" \(from LEV_STORE_KIND\): expected one of postgres, eventstoredb/,
    ],
    [
      { env: { LEV_RPC_HOST: 'no spaces' } },
      /rpc\.host = "no spaces" \(from LEV_RPC_HOST\): expected a host name/,
    ],
    [
      { env: { LEV_PROVER_LISTEN: '50051' } },
      /prover\.listen = "50051" \(from LEV_PROVER_LISTEN\): expected host:port/,
    ],
    [{ file: write('[node]\nroles = 5\n') }, /node\.roles = 5 \(from .*\): expected a list of roles/],
    [
      { flags: { roles: ['rpc', 'miner'] } },
      /node\.roles = "rpc,miner" \(from --roles\): unknown role "miner"/,
    ],
    [{ flags: { roles: [] } }, /node\.roles = "" \(from --roles\): expected at least one role/],
    [
      { env: { LEV_NODE_MODE: 'follower' } },
      /node\.mode = "follower" \(from LEV_NODE_MODE\): expected one of auto, trusted, permissionless/,
    ],
    [
      { env: { LEV_RPC_SEQUENCER_URL: 'ftp://x' } },
      /rpc\.sequencerUrl = "ftp:\/\/x" \(from LEV_RPC_SEQUENCER_URL\)/,
    ],
    [
      { env: { LEV_POOL_BLOCKED_SENDERS: `${ACCOUNT_1},0x12` } },
      /pool\.blockedSenders = .*"0x12": expected a 0x-prefixed/,
    ],
    [
      { file: write('[l1]\nrollupAddress = 12\n') },
      /l1\.rollupAddress = 12 .*expected a 0x-prefixed 20-byte address/,
    ],
  ];
  for (const [opts, re] of cases) {
    const err = await failure(opts);
    assert.match(err.message, re);
  }
});

test('node.mode: auto decides by the roles; trusted and permissionless say it outright', () => {
  const node = (mode: 'auto' | 'trusted' | 'permissionless', roles: (typeof ROLES)[number][]) => ({
    mode,
    roles,
  });
  assert.is(isPermissionless(node('auto', ['rpc', 'synchronizer'])), true);
  assert.is(isPermissionless(node('auto', ['rpc', 'sequencer'])), false);
  assert.is(isPermissionless(node('auto', ['rpc'])), false, 'an RPC-only process of the trusted node');
  assert.is(isPermissionless(node('trusted', ['synchronizer'])), false);
  assert.is(isPermissionless(node('trusted', ['rpc'])), false);
  assert.is(isPermissionless(node('permissionless', ['rpc', 'synchronizer'])), true);
});

test('a bad raw key is named but never printed', async () => {
  const bad = `0x${'f'.repeat(64)}`; // above the secp256k1 group order
  const err = await failure({ env: { LEV_KEYS_SEQUENCER: bad } });
  assert.match(
    err.message,
    /^config: keys\.sequencer = <redacted> \(from LEV_KEYS_SEQUENCER\): expected a 0x-prefixed 32-byte private key/,
  );
  assert.not.ok(err.message.includes('ffff'));
  const short = await failure({ env: { LEV_KEYS_AGGREGATOR: '0x1234' } });
  assert.match(short.message, /keys\.aggregator = <redacted>/);
});

test('unknown sections, keys and top-level keys in the file are errors', async () => {
  const typo = write('[rpc]\nprot = 1\n');
  const key = await failure({ file: typo });
  assert.is(key.message, `config: unknown key rpc.prot (from ${typo}); did you mean rpc.port?`);
  assert.is(key.key, 'rpc.prot');

  const far = await failure({ file: write('[rpc]\nzzzzzzzz = 1\n') });
  assert.match(far.message, /^config: unknown key rpc\.zzzzzzzz \(from .*\); \[rpc\] has host, port/);

  const sectionFile = write('[rcp]\nport = 1\n');
  const section = await failure({ file: sectionFile });
  assert.is(section.message, `config: unknown section [rcp] (from ${sectionFile}); did you mean [rpc]?`);

  const top = await failure({ file: write('port = 1\n') });
  assert.match(
    top.message,
    /^config: unknown key port at the top level \(from .*\): settings belong in a section/,
  );

  const notTable = await failure({ file: write('rpc = 1\n') });
  assert.match(notTable.message, /^config: rpc = 1 \(from .*\): expected a \[rpc\] table/);

  const nested = await failure({ file: write('[rpc.cors]\norigin = "*"\n') });
  assert.match(nested.message, /^config: unknown key rpc\.cors/);
});

test('unknown LEV_ environment variables are errors', async () => {
  const typo = await failure({ env: { LEV_RPC_PROT: '1' } });
  assert.is(
    typo.message,
    'config: unknown environment variable LEV_RPC_PROT: rpc.prot is not a configuration key; did you mean LEV_RPC_PORT?',
  );
  assert.is(typo.source, 'LEV_RPC_PROT');
  const section = await failure({ env: { LEV_FOO_BAR: '1' } });
  assert.match(
    section.message,
    /^config: unknown environment variable LEV_FOO_BAR: there is no section \[foo\]/,
  );
  const camel = await failure({ env: { LEV_NODE_DATADIR: 'x' } });
  assert.match(camel.message, /node\.datadir is not a configuration key; did you mean LEV_NODE_DATA_DIR\?/);
  const password = await failure({ env: { LEV_KEYS_MINER_PASSWORD: 'x' } });
  assert.match(
    password.message,
    /^config: unknown environment variable LEV_KEYS_MINER_PASSWORD: keys\.miner is not a key/,
  );
});

test('a missing or unparsable config file is one clear line', async () => {
  const missing = await failure({ file: join(dir, 'nope.toml') });
  assert.is(missing.message, `config: cannot read the config file ${join(dir, 'nope.toml')}: no such file`);
  const broken = write('[rpc]\nport = \n');
  const parse = await failure({ file: broken });
  assert.match(
    parse.message,
    /^config: cannot parse the config file .*node-\d+\.toml: .* \(line 2, column \d+\)$/,
  );
  const relative = await failure({ file: 'nope.toml' });
  assert.is(relative.message, 'config: cannot read the config file nope.toml: no such file');
});

test('the event store kind and URL must agree', async () => {
  const noUrl = await failure({ env: { LEV_STORE_KIND: 'eventstoredb' } });
  assert.match(
    noUrl.message,
    /^config: store\.url is not set \(from default\): store\.kind = "eventstoredb" \(from LEV_STORE_KIND\) needs an esdb:\/\/ URL/,
  );
  const wrong = await failure({
    env: { LEV_STORE_KIND: 'eventstoredb', LEV_STORE_URL: 'postgres://db/lev' },
  });
  assert.match(wrong.message, /^config: store\.url = "postgres:\/\/db\/lev" \(from LEV_STORE_URL\)/);
  const wrongPg = await failure({ env: { LEV_STORE_URL: 'esdb://es:2113' } });
  assert.match(wrongPg.message, /store\.kind = "postgres" needs a postgres:\/\/ URL/);
});

test('keys: raw keys, encrypted keystores (decrypted lazily) and their errors', async () => {
  const wallet = Wallet.createRandom();
  const keyDir = join(dir, 'keys');
  mkdirSync(keyDir, { recursive: true });
  const json = await encryptKeystoreJson(
    { address: wallet.address, privateKey: wallet.privateKey },
    'hunter2',
    {
      scrypt: { N: 1024 },
    },
  );
  writeFileSync(join(keyDir, 'aggregator.json'), json);
  const file = write(
    `[keys]\naggregator = "keys/aggregator.json"\nsequencer = "${devAccount(7).privateKey}"\n`,
  );

  const c = await load({ file, env: { LEV_KEYS_AGGREGATOR_PASSWORD: 'hunter2' } });
  assert.equal(c.keys.aggregator, {
    kind: 'keystore',
    path: join(keyDir, 'aggregator.json'),
    passwordEnv: 'LEV_KEYS_AGGREGATOR_PASSWORD',
  });
  assert.not.ok(JSON.stringify(describeConfig(c)).includes('hunter2'));
  const first = loadKey(c, 'aggregator');
  assert.is(loadKey(c, 'aggregator'), first, 'decrypted once per config');
  assert.is((await first).address, wallet.address);
  assert.is((await first).privateKey, wallet.privateKey);
  assert.is((await loadKey(c, 'sequencer')).address.toLowerCase(), devAccount(7).address);

  const keyError = async (config: Config, name: 'sequencer' | 'aggregator' | 'prover', re: RegExp) => {
    try {
      await loadKey(config, name);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.not.match((err as Error).message, /\n/);
      assert.match((err as Error).message, re);
      return;
    }
    assert.unreachable(`expected loadKey to fail with ${re}`);
  };
  await keyError(
    c,
    'prover',
    /^config: keys\.prover is not set \(from default\): set \[keys\] prover or LEV_KEYS_PROVER$/,
  );
  const noPassword = await load({ file });
  await keyError(
    noPassword,
    'aggregator',
    /^config: keys\.aggregator = ".*aggregator\.json" \(from .*\.toml\): the keystore's password is not set \(LEV_KEYS_AGGREGATOR_PASSWORD\)$/,
  );
  const wrongPassword = await load({ file, env: { LEV_KEYS_AGGREGATOR_PASSWORD: 'nope' } });
  await keyError(
    wrongPassword,
    'aggregator',
    /cannot decrypt the keystore with LEV_KEYS_AGGREGATOR_PASSWORD: .*password/,
  );
  const missing = await load({
    env: { LEV_KEYS_PROVER: 'keys/missing.json', LEV_KEYS_PROVER_PASSWORD: 'x' },
  });
  assert.is(
    missing.keys.prover?.kind === 'keystore' && missing.keys.prover.path,
    join(dir, 'keys/missing.json'),
  );
  await keyError(
    missing,
    'prover',
    /^config: keys\.prover = ".*missing\.json" \(from LEV_KEYS_PROVER\): cannot read the keystore: no such file$/,
  );
});

test('describeConfig is plain JSON without secrets; formatConfig shows every key with its source', async () => {
  const c = await load({
    flags: { dev: true },
    env: { LEV_DB_URL: 'postgres://lev:s3cret@db:5432/lev', LEV_RPC_PORT: '9999' },
  });
  const described = describeConfig(c);
  const text = JSON.stringify(described);
  assert.equal(JSON.parse(text), described);
  assert.not.ok(text.includes('s3cret'));
  assert.not.ok(text.includes(devAccount(1).privateKey.slice(2)));
  assert.equal(described['db'], { url: 'postgres://lev:***@db:5432/lev', embedded: false });
  assert.equal(described['keys'], {
    sequencer: { kind: 'raw', address: ACCOUNT_1 },
    aggregator: { kind: 'raw', address: ACCOUNT_2 },
    prover: { kind: 'raw', address: ACCOUNT_4 },
  });
  assert.is((described['l2'] as Record<string, unknown>)['minGasPrice'], '1000000000');
  assert.is((described['prover'] as Record<string, unknown>)['listen'], '127.0.0.1:50051');

  const human = formatConfig(c);
  assert.match(human, /^port + = 9999 +\(LEV_RPC_PORT\)$/m);
  assert.match(
    human,
    /^sequencer += raw key of 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 +\(dev default\)$/m,
  );
  assert.not.ok(human.includes('s3cret'));
  assert.not.ok(human.includes(devAccount(1).privateKey.slice(2)));
});

test('role requirements name the missing key and the role', async () => {
  const c = await load({ flags: { dev: true } });
  // --dev: the dev keys, and the dev L1 contracts at their deterministic addresses
  checkRoleRequirements(c, ['rpc', 'sequencer', 'eth-tx-manager', 'synchronizer']);
  assert.is(c.l1.rollupAddress, '0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9');
  assert.is(c.sources['l1.rollupAddress'], 'dev default');
  try {
    checkRoleRequirements(await load({}), ['synchronizer']);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is(
      (err as Error).message,
      'config: l1.rollupAddress is not set (from default): role synchronizer needs it; set [l1] rollupAddress or LEV_L1_ROLLUP_ADDRESS',
    );
  }
  const prod = await load({
    env: { LEV_L1_ROLLUP_ADDRESS: ACCOUNT_0, LEV_L1_GER_MANAGER_ADDRESS: ACCOUNT_1 },
  });
  checkRoleRequirements(prod, ['synchronizer']);
  assert.throws(
    () => checkRoleRequirements(prod, ['aggregator']),
    /keys\.aggregator is not set .*role aggregator/,
  );
  assert.throws(() => checkRoleRequirements(prod), /role sequence-sender needs it/);
});

test('genesis: the dev genesis, a file in the vectors shape, and its errors', async () => {
  const dev = await loadGenesis(await load({ flags: { dev: true } }));
  assert.is(dev.accounts.length, 10);
  assert.equal(dev.accounts[0], { address: ACCOUNT_0, balance: DEV_GENESIS_BALANCE, nonce: 0n });
  assert.is(dev.accounts[9]?.address, devAccount(9).address);
  assert.is(DEV_GENESIS_BALANCE, 10_000n * 10n ** 18n);

  const noFile = await load();
  try {
    await loadGenesis(noFile);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match(
      (err as Error).message,
      /^config: l2\.genesisFile is not set \(from default\): a node without --dev needs/,
    );
  }

  const genesis = {
    accounts: [
      {
        address: '0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D',
        nonce: '0',
        balance: '100000000000000000000',
        pvtKey: '0x28b2b0318721be8c8339199172cd7cc8f5e273800a35616ec893083a4b32c02e',
        isSmartContract: false,
      },
      {
        address: '0x095e7baea6a6c7c4c2dfeb977efac326af552d87',
        nonce: 3,
        balance: '20000000',
        storage: { '0x01': '0x73e6af6f' },
        isSmartContract: true,
        bytecode: '0x6080AB',
        hashBytecode: '0x0a5e',
      },
    ],
  };
  write(JSON.stringify(genesis), 'genesis.json');
  const file = write('[l2]\ngenesisFile = "genesis.json"\n');
  const c = await load({ file, flags: { dev: true } });
  assert.is(c.l2.genesisFile, join(dir, 'genesis.json'));
  const loaded = await loadGenesis(c);
  assert.equal(loaded.accounts, [
    { address: '0x617b3a3528f9cdd6630fd3301b9c8911f7bf063d', balance: 100n * 10n ** 18n, nonce: 0n },
    {
      address: '0x095e7baea6a6c7c4c2dfeb977efac326af552d87',
      balance: 20_000_000n,
      nonce: 3n,
      bytecode: '0x6080ab',
      storage: {
        '0x0000000000000000000000000000000000000000000000000000000000000001':
          '0x0000000000000000000000000000000000000000000000000000000073e6af6f',
      },
    },
  ]);

  const genesisError = async (content: string, re: RegExp) => {
    const name = `genesis-${++files}.json`;
    write(content, name);
    const config = await load({ env: { LEV_L2_GENESIS_FILE: name } });
    try {
      await loadGenesis(config);
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.not.match((err as Error).message, /\n/);
      assert.match(
        (err as Error).message,
        new RegExp(`^config: l2\\.genesisFile = ".*${name}" \\(from LEV_L2_GENESIS_FILE\\): `),
      );
      assert.match((err as Error).message, re);
      return;
    }
    assert.unreachable(`expected loadGenesis to fail with ${re}`);
  };
  const entry = (over: Record<string, unknown>) =>
    JSON.stringify({
      accounts: [
        { address: ACCOUNT_0, balance: '1', nonce: '0' },
        { address: ACCOUNT_1, balance: '1', nonce: '0', ...over },
      ],
    });
  await genesisError(
    entry({ balance: '-5' }),
    /accounts\[1\] \(0x7099.*\)\.balance = "-5": expected a wei amount as a decimal string$/,
  );
  await genesisError(entry({ balance: '0x10' }), /accounts\[1\] .*\.balance = "0x10"/);
  await genesisError(entry({ nonce: 'x' }), /accounts\[1\] .*\.nonce = "x": expected a nonce/);
  await genesisError(
    entry({ address: '0x1234' }),
    /accounts\[1\] \(0x1234\)\.address = "0x1234": expected a 0x-prefixed 20-byte address$/,
  );
  await genesisError(
    entry({ bytecode: '0x123' }),
    /accounts\[1\] .*\.bytecode = "0x123": expected 0x-prefixed hex of whole bytes$/,
  );
  await genesisError(
    entry({ storage: { '0x01': 'zz' } }),
    /accounts\[1\] .*\.storage\.0x01 = "zz": expected a value of at most 32 bytes/,
  );
  await genesisError(entry({ address: ACCOUNT_0 }), /accounts\[1\] \(0xf39f.*\): duplicate address$/);
  await genesisError(
    JSON.stringify({ accounts: [{ address: ACCOUNT_0, nonce: '0' }] }),
    /accounts\[0\] .*\.balance = undefined: expected a wei amount/,
  );
  await genesisError('{"accounts": [', /not valid JSON/);
  await genesisError('[]', /expected a JSON object \{ "accounts": \[\.\.\.\] \}$/);
  const missing = await load({ env: { LEV_L2_GENESIS_FILE: '/nonexistent/genesis.json' } });
  try {
    await loadGenesis(missing);
    assert.unreachable();
  } catch (err) {
    assert.is(
      (err as Error).message,
      'config: l2.genesisFile = "/nonexistent/genesis.json" (from LEV_L2_GENESIS_FILE): cannot read it: no such file',
    );
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
