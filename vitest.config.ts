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
for (const [key, value] of Object.entries(readDevVars() as Record<string, string>))
  process.env[key] ??= value;

/** Vars the tests shorten so that TTLs and retries elapse within a test. */
const testVars = {
  gateway: { ENVIRONMENT: 'test', HEALTH_TIMEOUT_MS: '1000' },
  catalog: { PRODUCT_CACHE_TTL_S: '2' },
  inventory: { OUTBOX_RETRY_MS: '200' },
  payments: {
    OUTBOX_RETRY_MS: '200',
    LEDGER_SNAPSHOT_EVERY: '5',
    TRANSFER_RETRY_MS: '20',
    TRANSFER_CREDIT_DEADLINE_MS: '400',
  },
};

/** D1 migrations by database folder, bound into the runner for setup files. */
async function migrations() {
  const dirs = ['catalog', 'identity', 'payments', 'orders', 'notifications'];
  const entries = await Promise.all(
    dirs.map(
      async (d) =>
        [d, await readD1Migrations(path.resolve(import.meta.dirname, 'migrations', d))] as const,
    ),
  );
  return Object.fromEntries(entries);
}

interface AuxOptions {
  serviceBindings?: Record<string, string | { name?: string }>;
  durableObjects?: Record<string, string | { scriptName?: string }>;
}

/**
 * The plugin renames the worker under test to its runner (`vitest-plugin-runner-<project>`,
 * see getRunnerName in @cloudflare/vitest-plugin), so auxiliary workers that bind it by its
 * configured name (the gateway's service binding, a `script_name` Durable Object) would
 * point at nothing; point them at the runner instead.
 */
function pointAtRunner<T extends AuxOptions>(options: T, configName: string, project: string): T {
  const runner = `vitest-plugin-runner-${project.replace(/[^a-z0-9-]/gi, '_')}`;
  const services = Object.entries(options.serviceBindings ?? {}).map(([key, binding]) => {
    if (binding === configName) return [key, runner];
    if (typeof binding === 'object' && binding.name === configName)
      return [key, { ...binding, name: runner }];
    return [key, binding];
  });
  const objects = Object.entries(options.durableObjects ?? {}).map(([key, binding]) =>
    typeof binding === 'object' && binding.scriptName === configName
      ? [key, { ...binding, scriptName: runner }]
      : [key, binding],
  );
  return {
    ...options,
    serviceBindings: Object.fromEntries(services),
    durableObjects: Object.fromEntries(objects),
  };
}

/** A project whose runner is `runner` and whose other workers are auxiliary. */
function workerProject(runner: string, include: string[]) {
  const own = workerOptions(byName(runner), { vars: testVars });
  const others = workers
    .filter((w) => w.name !== runner)
    .map((w) => pointAtRunner(workerOptions(w, { vars: testVars }), own.name, runner));
  return defineProject({
    resolve: { alias },
    plugins: [
      cloudflareTest(async () => ({
        wrangler: { configPath: byName(runner).config },
        miniflare: {
          bindings: { ...own.bindings, TEST_MIGRATIONS: await migrations() },
          // The runner also binds the other services' databases and caches
          // (same ids, so the same storage) for fixtures and assertions only.
          d1Databases: Object.assign(
            {},
            ...others.map((o: { d1Databases?: object }) => o.d1Databases ?? {}),
            own.d1Databases,
          ),
          kvNamespaces: Object.assign(
            {},
            ...others.map((o: { kvNamespaces?: object }) => o.kvNamespaces ?? {}),
            own.kvNamespaces,
          ),
          workers: others,
        },
      })),
    ],
    test: {
      name: runner,
      include,
      setupFiles: [path.resolve(import.meta.dirname, 'test/setup/apply-migrations.ts')],
      testTimeout: 20_000,
      hookTimeout: 30_000,
    },
  });
}

export default defineConfig({
  test: {
    globalSetup: [path.resolve(import.meta.dirname, 'test/setup/build-workers.ts')],
    projects: [
      workerProject('gateway', [
        'test/integration/**/*.test.ts',
        'common/**/*.test.ts',
        'src/**/*.test.ts',
      ]),
      workerProject('inventory', ['workers/inventory/**/*.test.ts']),
      workerProject('catalog', ['workers/catalog/**/*.test.ts']),
      workerProject('payments', ['workers/payments/**/*.test.ts']),
    ],
  },
});
