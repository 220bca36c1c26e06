/**
 * Tests run inside workerd through @cloudflare/vitest-plugin. Each project's
 * runner is one worker (its own wrangler.toml); the other workers join as
 * auxiliary workers built by the global setup, so service bindings, Durable
 * Objects, queues, D1 and KV are wired exactly as in wrangler.toml.
 */
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig, defineProject } from 'vitest/config';
// @ts-expect-error: plain ESM helpers shared with the dev server and bench.
import { readDevVars, workerOptions } from './scripts/miniflare.mjs';
// @ts-expect-error: plain ESM helpers shared with the dev server and bench.
import { catalogSeedSql } from './scripts/seed.mjs';
// @ts-expect-error: plain ESM helpers shared with the dev server and bench.
import { WORKERS } from './scripts/workers.mjs';

interface WorkerSpec {
  name: string;
  config: string;
}
const workers = WORKERS as WorkerSpec[];
const byName = (name: string): WorkerSpec => {
  const found = workers.find((w) => w.name === name);
  if (!found) throw new Error(`no worker ${name}`);
  return found;
};

const alias = { '@common': path.resolve(import.meta.dirname, 'common') };

// The runner reads required secrets from the environment; tests use the
// committed development values.
const devVars = readDevVars() as Record<string, string>;
for (const [key, value] of Object.entries(devVars)) process.env[key] ??= value;

/** Vars the tests shorten so that TTLs and retries elapse within a test. */
const testVars = {
  gateway: {
    ENVIRONMENT: 'test',
    // Tests read the access line of the request they made (src/version).
    ACCESS_LOG_SAMPLE_RATE: '1',
    HEALTH_TIMEOUT_MS: '1000',
    // Small enough that tests reach each limit with a handful of requests.
    UPSTREAM_TIMEOUT_MS: '1000',
    // The bulkhead suite saturates the catalog; everything else gets room
    // for its concurrent requests.
    UPSTREAM_LIMITS: 'catalog=4/2,idempotency=256/128',
    BREAKER_CONSECUTIVE_FAILURES: '5',
    BREAKER_OPEN_MS: '400',
    RETRY_ATTEMPTS_MAX: '5',
    RETRY_DELAY_MS_BASE: '5',
    RETRY_DELAY_MS_MAX: '50',
    RETRY_BUDGET_PER_REQUEST: '2',
    SHED_IN_FLIGHT_MAX: '1000',
    FAULTS_CACHE_MS: '200',
    // Tests send many requests per principal; limiter tests swap in a small
    // binding (the API limit's binding follows this var: scripts/miniflare.mjs).
    RATE_LIMIT_API_CAPACITY: '100000',
    RATE_LIMIT_AUTH_IP_MAX: '100000',
  },
  catalog: {
    PRODUCT_CACHE_TTL_S: '2',
    PRODUCT_CACHE_SOFT_TTL_S: '1',
    PRODUCT_CACHE_MEMORY_TTL_MS: '250',
    PRODUCT_CACHE_STALE_IF_ERROR_S: '600',
  },
  // FAULTS_CACHE_MS: a fault rule reaches the services' isolates within 200 ms
  // (test/integration/resilience/helpers.ts putFaultsEverywhere waits that out).
  inventory: { OUTBOX_RETRY_MS: '200', QUEUE_RETRY_DELAY_MAX_S: '1', FAULTS_CACHE_MS: '200' },
  orders: {
    SAGA_STEP_TIMEOUT_MS: '5000',
    SAGA_RETRY_MS: '1000',
    OUTBOX_RETRY_MS: '200',
    QUEUE_RETRY_DELAY_MAX_S: '1',
    FAULTS_CACHE_MS: '200',
    // The saga reads the flag orders.fast_path within 200 ms of a change.
    FLAGS_CACHE_MS: '200',
  },
  notifications: { QUEUE_RETRY_DELAY_MAX_S: '1', FAULTS_CACHE_MS: '200' },
  analytics: { QUEUE_RETRY_DELAY_MAX_S: '1', FAULTS_CACHE_MS: '200' },
  carts: {
    CART_ANTI_ENTROPY_MS: '100',
    CART_ANTI_ENTROPY_MS_MAX: '400',
    OUTBOX_RETRY_MS: '200',
    QUEUE_RETRY_DELAY_MAX_S: '1',
    FAULTS_CACHE_MS: '100',
  },
  preferences: {
    PREFERENCES_REPLICA_TIMEOUT_MS: '500',
    // Slow enough that a replica stays stale for a while after it is back
    // (the property test must meet stale replicas), fast enough to watch a handoff.
    PREFERENCES_HINT_RETRY_MS: '1000',
    PREFERENCES_HINT_RETRY_MS_MAX: '2000',
    FAULTS_CACHE_MS: '100',
  },
  payments: {
    QUEUE_RETRY_DELAY_MAX_S: '1',
    FAULTS_CACHE_MS: '200',
    OUTBOX_RETRY_MS: '200',
    LEDGER_SNAPSHOT_EVERY: '5',
    TRANSFER_RETRY_MS: '20',
    TRANSFER_CREDIT_DEADLINE_MS: '400',
  },
};

/** D1 migrations by database folder, bound into the runner for setup files. */
async function migrations() {
  const dirs = ['catalog', 'identity', 'identity-directory', 'payments', 'orders', 'notifications'];
  const entries = await Promise.all(
    dirs.map(
      async (d) =>
        [d, await readD1Migrations(path.resolve(import.meta.dirname, 'migrations', d))] as const,
    ),
  );
  return Object.fromEntries(entries);
}

interface Designator {
  name?: string;
  className?: string;
  scriptName?: string;
}

const designator = (target: unknown): Designator =>
  typeof target === 'object' && target !== null ? (target as Designator) : {};

/**
 * The plugin renames the runner worker (`vitest-plugin-runner-<project>`) and
 * repoints only the runner's own bindings. Auxiliary workers that bind the
 * runner by its configured name — a service binding (the gateway's CATALOG
 * in the catalog project) or a Durable Object of its script (the gateway's
 * FaultRegistry, `script_name = "meridian-gateway"`) — are repointed here.
 */
function pointAtRunner<
  O extends { durableObjects?: Record<string, unknown>; serviceBindings?: Record<string, unknown> },
>(options: O, scriptName: string, runnerName: string): O {
  const repoint = (
    bindings: Record<string, unknown> | undefined,
    key: 'name' | 'scriptName',
  ): Record<string, unknown> | undefined =>
    bindings &&
    Object.fromEntries(
      Object.entries(bindings).map(([binding, target]) => [
        binding,
        designator(target)[key] === scriptName
          ? { ...designator(target), [key]: runnerName }
          : target,
      ]),
    );
  return {
    ...options,
    durableObjects: repoint(options.durableObjects, 'scriptName'),
    serviceBindings: repoint(options.serviceBindings, 'name'),
  };
}

const scriptNames: Record<string, string> = { gateway: 'meridian-gateway' };

/** Suites of the gateway's edge cache (project gateway-edge). */
const EDGE_SUITES = ['src/products/edge-cache.test.ts', 'src/inventory/hot-read.test.ts'];

/** Gateway suites: every status a route answers must be in /openapi.json. */
const documentedStatuses = path.resolve(import.meta.dirname, 'test/setup/documented-statuses.ts');

interface ProjectOptions {
  /** Project name (default: the runner's); the plugin names the runner after it. */
  name?: string;
  exclude?: string[];
  /** Var overrides for the runner on top of testVars. */
  vars?: Record<string, string>;
  /** Var overrides of the other workers on top of testVars, by worker name. */
  otherVars?: Record<string, Record<string, string>>;
  /** Extra Rate Limiting bindings of the runner (tests that need a small limit). */
  ratelimits?: Record<string, { namespace_id: string; simple: { limit: number; period: 10 | 60 } }>;
  /** Setup files of this project after the shared ones. */
  setupFiles?: string[];
}

/** A project whose runner is `runner` and whose other workers are auxiliary. */
function workerProject(runner: string, include: string[], options: ProjectOptions = {}) {
  const name = options.name ?? runner;
  const runnerScript = scriptNames[runner] ?? `meridian-${runner}`;
  const base = testVars as Record<string, object>;
  const otherVars = Object.fromEntries(
    Object.keys({ ...base, ...options.otherVars }).map((w) => [
      w,
      { ...base[w], ...options.otherVars?.[w] },
    ]),
  );
  const vars = { ...otherVars, [runner]: { ...base[runner], ...options.vars } };
  return defineProject({
    resolve: { alias },
    plugins: [
      // Resolved when the pool starts, after the global setup built the
      // bundles: a bundle's modules (WebAssembly beside it) are known then.
      cloudflareTest(async () => {
        const others = workers
          .filter((w) => w.name !== runner)
          .map((w) =>
            pointAtRunner(
              workerOptions(w, { vars: otherVars }),
              runnerScript,
              `vitest-plugin-runner-${name}`,
            ),
          );
        const own = workerOptions(byName(runner), { vars });
        return {
          wrangler: { configPath: byName(runner).config },
          miniflare: {
            bindings: {
              ...own.bindings,
              TEST_MIGRATIONS: await migrations(),
              // The demo products (no stock), as `npm run dev` seeds them: the
              // catalog knows MRD-TEE-001 & co, so stock routes accept them.
              TEST_CATALOG_SEED: catalogSeedSql() as string,
              // Lets tests sign tokens as identity does (attack tests re-sign variants).
              TEST_JWT_PRIVATE_KEYS: devVars.JWT_PRIVATE_KEYS ?? '[]',
            },
            // The runner also binds the other services' databases and caches
            // (same ids, so the same storage) for fixtures and assertions only.
            d1Databases: Object.assign(
              {},
              ...others.map((o: { d1Databases?: object }) => o.d1Databases ?? {}),
              own.d1Databases,
              // Scratch databases of the schema compatibility test (common/schema-compat.test.ts).
              {
                SCHEMA_COMPAT_PREVIOUS_DB: 'schema-compat-previous',
                SCHEMA_COMPAT_HEAD_DB: 'schema-compat-head',
              },
            ),
            kvNamespaces: Object.assign(
              {},
              ...others.map((o: { kvNamespaces?: object }) => o.kvNamespaces ?? {}),
              own.kvNamespaces,
            ),
            ratelimits: { ...own.ratelimits, ...options.ratelimits },
            workers: others,
          },
        };
      }),
    ],
    test: {
      name,
      include,
      exclude: options.exclude ?? [],
      setupFiles: [
        path.resolve(import.meta.dirname, 'test/setup/apply-migrations.ts'),
        ...(options.setupFiles ?? []),
      ],
      testTimeout: 20_000,
      hookTimeout: 30_000,
    },
  });
}

export default defineConfig({
  test: {
    // JSON logs of passing tests are noise; a failing test shows its own.
    silent: 'passed-only',
    globalSetup: [path.resolve(import.meta.dirname, 'test/setup/build-workers.ts')],
    projects: [
      workerProject('gateway', ['common/**/*.test.ts', 'src/**/*.test.ts'], {
        exclude: ['src/upstream/shed.test.ts', 'src/analytics/**', ...EDGE_SUITES],
        // The API limit's tests swap this in for API_RATE_LIMITER (100000 here).
        ratelimits: {
          TEST_API_RATE_LIMITER: { namespace_id: '9001', simple: { limit: 5, period: 60 } },
        },
        setupFiles: [documentedStatuses],
      }),
      // Shedding needs a tiny in-flight limit; every other suite needs room
      // for its 50 concurrent requests, so it runs in its own project.
      workerProject('gateway', ['src/upstream/shed.test.ts'], {
        name: 'gateway-shed',
        vars: { SHED_IN_FLIGHT_MAX: '10' },
        setupFiles: [documentedStatuses],
      }),
      // The analytics API asserts exact per-region counts of the orders it
      // places, so no other suite's orders may land in its storage.
      workerProject('gateway', ['src/analytics/**/*.test.ts'], { name: 'gateway-analytics' }),
      // The edge cache's suites need a staleness bound far longer than an
      // event takes, so a change seen early came by the event, not the TTL.
      workerProject('gateway', EDGE_SUITES, {
        name: 'gateway-edge',
        vars: { EDGE_CACHE_MEMO_MS: '5000' },
        otherVars: { catalog: { PRODUCT_CACHE_TTL_S: '60', PRODUCT_CACHE_SOFT_TTL_S: '30' } },
        setupFiles: [documentedStatuses],
      }),
      workerProject('identity', ['workers/identity/**/*.test.ts']),
      workerProject('inventory', ['workers/inventory/**/*.test.ts']),
      workerProject('catalog', ['workers/catalog/**/*.test.ts']),
      workerProject('orders', ['workers/orders/**/*.test.ts']),
      workerProject('payments', ['workers/payments/**/*.test.ts']),
      workerProject('notifications', ['workers/notifications/**/*.test.ts']),
      workerProject('analytics', ['workers/analytics/**/*.test.ts']),
      workerProject('carts', ['workers/carts/**/*.test.ts']),
      workerProject('preferences', ['workers/preferences/**/*.test.ts']),
      // Plain Node, no workerd: the linearizability checker and its models
      // (consistency/), and the operator scripts (deploy checks, the rollout with
      // a fake wrangler on PATH), run as an operator runs them.
      defineProject({
        test: {
          name: 'node',
          include: ['consistency/**/*.test.ts', 'scripts/**/*.test.mjs'],
          environment: 'node',
          // Each fake wrangler call is a Node process: a rollout is dozens of them.
          testTimeout: 60_000,
        },
      }),
    ],
  },
});
