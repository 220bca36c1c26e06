// The one bench harness: serves the whole system through Miniflare directly
// (not `wrangler dev`, whose proxy costs several times its throughput) with
// every D1 migration applied and the demo data seeded, plus the bench worker
// (bare Hono route, bare DO counter, ledger driver) in the same workerd; one
// HTTP client, helpers for customers and funds. The load generator and the
// report are in ./measure.mjs.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { unstable_readConfig } from 'wrangler';
import { buildWorkers, bundlePath } from '../scripts/build.mjs';
import { readDevVars, systemWorkerOptions } from '../scripts/miniflare.mjs';
import { catalogSeedSql, seedStock } from '../scripts/seed.mjs';
import { root, WORKERS } from '../scripts/workers.mjs';

const DEV_VARS = readDevVars();
export const ADMIN_API_KEY = DEV_VARS.ADMIN_API_KEY ?? 'meridian-dev-admin-key';

/**
 * What the bench changes from the workers' wrangler.toml, and why. Every
 * request comes from one client IP and a handful of principals, so the
 * token buckets are made deep (the limiter still runs on every request), and
 * an opened breaker stays open for `breaker_open_ms`: the whole fail-fast
 * measurement, not 10 minutes, so the system is whole again afterwards.
 */
export function benchVars({ breaker_open_ms }) {
  return {
    gateway: {
      RATE_LIMIT_API_CAPACITY: '100000000',
      RATE_LIMIT_AUTH_IP_MAX: '100000',
      BREAKER_OPEN_MS: String(breaker_open_ms),
    },
  };
}

const BENCH_WORKER = {
  name: 'bench',
  entry: path.join(root, 'bench', 'bench-worker.js'),
};

function benchWorkerOptions(port) {
  return {
    name: 'meridian-bench',
    rootPath: root,
    modulesRoot: root,
    modules: true,
    scriptPath: bundlePath(BENCH_WORKER),
    compatibilityDate: '2026-11-01',
    compatibilityFlags: ['nodejs_compat'],
    durableObjects: {
      COUNTER: { className: 'Counter', useSQLite: true },
      LEDGER: { className: 'AccountLedger', scriptName: 'meridian-payments', useSQLite: true },
    },
    unsafeDirectSockets: [{ host: '127.0.0.1', port }],
  };
}

const configOf = (worker) => unstable_readConfig({ config: worker.config }, { hideWarnings: true });

/** Applies every migration of every D1 database of every worker, as wrangler.toml declares them. */
async function applyAllMigrations(mf) {
  const { readD1Migrations } = await import('@cloudflare/vitest-plugin');
  const applied = [];
  for (const worker of WORKERS) {
    const config = configOf(worker);
    for (const database of config.d1_databases ?? []) {
      const dir = path.resolve(
        path.dirname(worker.config),
        database.migrations_dir ?? 'migrations',
      );
      const db = await mf.getD1Database(database.binding, config.name);
      const migrations = await readD1Migrations(dir);
      for (const migration of migrations) {
        for (const query of migration.queries) await db.prepare(query).run();
      }
      applied.push(`${config.name}/${database.binding}: ${migrations.length}`);
    }
  }
  return applied;
}

/** Every queue consumer's batching, from the workers' wrangler.toml. */
export function queueSettings() {
  return WORKERS.flatMap((worker) => {
    const config = configOf(worker);
    return (config.queues?.consumers ?? []).map((c) => ({
      worker: config.name,
      queue: c.queue,
      max_batch_size: c.max_batch_size,
      max_batch_timeout_s: c.max_batch_timeout,
      max_retries: c.max_retries,
    }));
  });
}

/**
 * Starts the system and the bench worker in one Miniflare: the gateway and
 * the bench worker each on their own direct socket (`port + 1`, `port + 2`),
 * so neither request path crosses Miniflare's entry worker. Migrated and
 * seeded (products, stock in every region) before it resolves. `onLog`
 * receives each structured log line of every worker (`{ level, message }`).
 */
export async function startSystem({ port = 8910, vars = {}, onLog } = {}) {
  // wrangler looks for required secrets in process.env (as vitest.config.ts sets them).
  for (const [key, value] of Object.entries(DEV_VARS)) process.env[key] ??= value;
  await buildWorkers([...WORKERS, BENCH_WORKER]);
  const [gateway, ...services] = systemWorkerOptions({ vars });
  const workerLogs = { error: 0, warn: 0 };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: '127.0.0.1',
      port,
      // No network lookup for the Request.cf placeholder.
      cf: false,
      log: new Log(LogLevel.WARN),
      // Workers log one JSON line per request: count the bad ones, print none
      // (`onLog`, if given, sees every line, e.g. to count injected faults).
      handleStructuredLogs: (log) => {
        if (log.level in workerLogs) workerLogs[log.level]++;
        onLog?.(log);
      },
      workers: [
        { ...gateway, unsafeDirectSockets: [{ host: '127.0.0.1', port: port + 1 }] },
        ...services,
        benchWorkerOptions(port + 2),
      ],
    }),
  );
  try {
    await mf.ready;
    const system = {
      mf,
      gateway: (await mf.unsafeGetDirectURL(gateway.name)).origin,
      bench: (await mf.unsafeGetDirectURL('meridian-bench')).origin,
      workerLogs,
      migrations: await applyAllMigrations(mf),
    };
    const catalog = await mf.getD1Database('CATALOG_DB', 'meridian-catalog');
    for (const statement of catalogSeedSql().split('\n')) await catalog.prepare(statement).run();
    await seedStock(system.gateway, ADMIN_API_KEY);
    return system;
  } catch (error) {
    await mf.dispose();
    throw error;
  }
}

const agent = new http.Agent({ keepAlive: true });

/** Frees the client's sockets so the process can exit. */
export const closeClient = () => agent.destroy();

/**
 * The one HTTP client (keep-alive, node:http: far cheaper per request than
 * fetch, so the load generator takes less of the CPU it shares with workerd).
 * Resolves with status, headers and the body as text.
 */
export function request(base, pathname, { method = 'GET', headers = {}, body } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const allHeaders = payload ? { 'content-type': 'application/json', ...headers } : headers;
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(pathname, base),
      { method, headers: allHeaders, agent },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A request that must answer `expected`; returns the parsed JSON body. */
export async function expectJson(base, pathname, expected, options) {
  const res = await request(base, pathname, options);
  if (res.status !== expected)
    throw new Error(`${options?.method ?? 'GET'} ${pathname}: ${res.status} ${res.text}`);
  return res.text ? JSON.parse(res.text) : null;
}

/** An operator call (X-Api-Key) through the gateway. */
export function admin(system, method, pathname, body, expected = 200) {
  const headers = { 'x-api-key': ADMIN_API_KEY };
  if (method === 'POST') headers['idempotency-key'] = randomUUID();
  return expectJson(system.gateway, pathname, expected, { method, headers, body });
}

/** Registers a new customer through the gateway; returns its id, region and access token. */
export async function registerCustomer(system, { region = 'us' } = {}) {
  const registered = await expectJson(system.gateway, '/v1/auth/register', 201, {
    method: 'POST',
    body: { email: `bench-${randomUUID()}@bench.local`, password: 'bench-password-1', region },
  });
  return {
    customerId: registered.customerId,
    region: registered.region,
    token: registered.accessToken,
  };
}

/** The headers of a customer's request (an Idempotency-Key when it is unsafe). */
export function customerHeaders(customer, { idempotent = false } = {}) {
  const headers = { authorization: `Bearer ${customer.token}` };
  if (idempotent) headers['idempotency-key'] = randomUUID();
  return headers;
}

/** Deposits `amount` minor units into the customer's account. */
export function deposit(system, customer, amount) {
  return expectJson(system.gateway, '/v1/accounts/me/deposits', 201, {
    method: 'POST',
    headers: customerHeaders(customer, { idempotent: true }),
    body: { amount },
  });
}

export { httpOutcome, measure, percentile, printTable, withRatios } from './measure.mjs';
