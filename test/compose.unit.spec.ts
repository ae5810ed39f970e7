// compose.yaml is the production shape (DESIGN §9). No Docker engine runs here, so this test reads the file and
// checks what the node relies on: every service is built or pulled and health-checked, dependencies wait for
// health, each role runs exactly once, and every service's LEV_* environment is a configuration loadConfig
// accepts (so compose and src/config cannot drift apart).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { checkRoleRequirements, loadConfig, ROLES, type Role } from '../src/config/index.ts';

type Service = {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
};

const text = readFileSync(new URL('../compose.yaml', import.meta.url), 'utf8');
const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** What an operator puts in `.env` (the variables compose interpolates; see the header of compose.yaml). */
const OPERATOR_ENV: Record<string, string> = {
  POSTGRES_PASSWORD: 'pg-secret',
  ROLLUP_ADDRESS: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  GER_MANAGER_ADDRESS: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512',
  L2_COINBASE: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  SEQUENCER_KEY_PASSWORD: 'a',
  AGGREGATOR_KEY_PASSWORD: 'b',
  PROVER_KEY_PASSWORD: 'c',
};

/** Compose interpolation: `$$`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`. */
function interpolate(value: string, vars: Record<string, string>, where: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name, op, arg) => {
    if (match === '$$') return '$';
    const v = vars[name as string];
    const unset = op?.startsWith(':') ? v === undefined || v === '' : v === undefined;
    if (!unset) return v!;
    if (op === ':-' || op === '-') return arg as string;
    if (op === ':?' || op === '?') throw new Error(`${where}: required variable ${name} is not set: ${arg}`);
    return '';
  });
}

function environmentOf(name: string, service: Service): Record<string, string> {
  const env = service.environment ?? {};
  const pairs: [string, string][] = Array.isArray(env)
    ? env.map((e) => {
        const at = e.indexOf('=');
        return [e.slice(0, at), e.slice(at + 1)] as [string, string];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v, OPERATOR_ENV, `${name}.${k}`)]));
}

const commandOf = (service: Service): string[] =>
  typeof service.command === 'string' ? service.command.split(/\s+/) : (service.command ?? []);

/** The roles a `start --roles a,b` service runs, or undefined for other services. */
function rolesOf(service: Service): string[] | undefined {
  const cmd = commandOf(service);
  if (cmd[0] !== 'start') return undefined;
  const at = cmd.indexOf('--roles');
  assert.ok(at >= 0, `start without --roles: ${cmd.join(' ')}`);
  return cmd[at + 1]!.split(',');
}

test('the infrastructure services are there', () => {
  for (const name of ['eventstoredb', 'postgres', 'l1', 'prover'])
    assert.ok(services[name], `missing ${name}`);
  assert.match(services['eventstoredb']!.image ?? '', /^eventstore\/eventstore/);
  assert.match(services['postgres']!.image ?? '', /^postgres:16/);
  assert.match(JSON.stringify(services['postgres']!.healthcheck?.test), /pg_isready/);
  assert.equal(commandOf(services['prover']!).slice(0, 1), ['prover']);
  assert.equal(commandOf(services['l1']!).slice(0, 1), ['devnet']);
});

test('every service has an image or a build and a health check', () => {
  for (const [name, service] of Object.entries(services)) {
    assert.ok(
      service.image !== undefined || service.build !== undefined,
      `${name} has neither image nor build`,
    );
    const check = service.healthcheck;
    assert.ok(check && !check.disable, `${name} has no health check`);
    const testCmd = check.test;
    assert.ok(
      typeof testCmd === 'string' ? testCmd.length > 0 : Array.isArray(testCmd) && testCmd.length > 1,
      `${name} health check has no test`,
    );
    if (Array.isArray(testCmd))
      assert.ok(['CMD', 'CMD-SHELL'].includes(testCmd[0]!), `${name} health check kind`);
  }
});

test('depends_on targets exist and wait for health', () => {
  for (const [name, service] of Object.entries(services)) {
    const deps = service.depends_on;
    if (deps === undefined) continue;
    assert.not.ok(Array.isArray(deps), `${name}: depends_on must name conditions`);
    for (const [target, spec] of Object.entries(deps as Record<string, { condition?: string }>)) {
      assert.ok(services[target], `${name} depends on unknown service ${target}`);
      assert.is(spec.condition, 'service_healthy', `${name} → ${target}`);
    }
  }
});

test('every role runs exactly once, each in its own service', () => {
  const seen = new Map<string, string[]>();
  for (const [name, service] of Object.entries(services)) {
    const roles = rolesOf(service);
    if (!roles) continue;
    assert.is(roles.length, 1, `${name} runs ${roles.join(',')}`);
    assert.not.ok(commandOf(service).includes('--dev'), `${name} runs with --dev`);
    for (const role of roles) seen.set(role, [...(seen.get(role) ?? []), name]);
  }
  for (const role of ROLES)
    assert.equal(seen.get(role)?.length, 1, `role ${role}: ${seen.get(role)?.join(', ')}`);
  assert.is(seen.size, ROLES.length, `unknown roles: ${[...seen.keys()].join(', ')}`);
});

test('every LEV_* variable a service sets is configuration loadConfig accepts', async () => {
  for (const [name, service] of Object.entries(services)) {
    const env = environmentOf(name, service);
    const levVars = Object.keys(env).filter((k) => k.startsWith('LEV_'));
    const image = service.image ?? '';
    const isNode = service.build !== undefined || image.startsWith('levitation');
    if (!isNode) {
      assert.is(levVars.length, 0, `${name} is not a node service but sets ${levVars.join(', ')}`);
      continue;
    }
    const roles = rolesOf(service);
    let config: Awaited<ReturnType<typeof loadConfig>>;
    try {
      config = await loadConfig({ env, cwd: '/app', ...(roles ? { flags: { roles } } : {}) });
    } catch (err) {
      throw new Error(`service ${name}: ${(err as Error).message}`);
    }
    if (roles) {
      checkRoleRequirements(config, roles as Role[]);
      assert.is(config.store.kind, 'eventstoredb', `${name} store`);
      assert.ok(config.db.url, `${name} must use the postgres service, not an embedded one`);
      assert.is(config.prover.url, 'http://prover:50051', `${name} prover url`);
      assert.is(config.l1.url, 'http://l1:8545', `${name} L1 url`);
      assert.is(config.metrics.host, '0.0.0.0', `${name} metrics must be reachable`);
      assert.is(config.metrics.port, 9091, `${name}: the health check reads /readyz on 9091`);
      assert.is(config.l2.genesisFile, '/etc/lev/genesis.json');
    }
    if (roles?.includes('rpc')) assert.is(config.rpc.host, '0.0.0.0', 'rpc must listen beyond the container');
    if (name === 'prover') {
      assert.equal(config.prover.listen, { host: '0.0.0.0', port: 50051 });
      assert.is(config.keys.prover?.kind, 'keystore');
    }
  }
});

test('compose drift is caught: an unknown LEV_ variable fails loadConfig', async () => {
  const env = { ...environmentOf('rpc', services['rpc']!), LEV_RPC_PROT: '1' };
  try {
    await loadConfig({ env });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /unknown environment variable LEV_RPC_PROT/);
  }
});

test('operator variables are not LEV_* (the node would reject them in its own environment)', () => {
  const used = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
  for (const name of used) {
    assert.not.ok(name.startsWith('LEV_'), `compose interpolates ${name}`);
    assert.ok(name in OPERATOR_ENV, `${name} is missing from the operator env of this test`);
  }
});

test.run();
