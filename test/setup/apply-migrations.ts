// Applies every database's migrations through the runner's bindings (the same
// storage the services use). applyD1Migrations skips ones already applied.
// Per-region databases are listed from REGION_CONFIG, so a new region's
// databases are migrated without touching this file.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { REGION_CONFIG, REGIONS, type RegionalDatabase } from '@common/regions';

type TestEnv = Record<string, unknown> & {
  TEST_MIGRATIONS: Record<string, Parameters<typeof applyD1Migrations>[1]>;
  /** INSERT OR IGNORE statements of the demo products (scripts/seed.mjs). */
  TEST_CATALOG_SEED: string;
};
const testEnv = env as unknown as TestEnv;

const everyRegion = (kind: RegionalDatabase) => REGIONS.map((r) => REGION_CONFIG[r][kind]);

/** Migrations folder → the bindings of the databases it applies to. */
const DATABASES: Record<string, string[]> = {
  catalog: ['CATALOG_DB'],
  'identity-directory': ['IDENTITY_DB'],
  identity: everyRegion('identityDb'),
  payments: everyRegion('paymentsDb'),
  orders: everyRegion('ordersDb'),
  notifications: everyRegion('notificationsDb'),
};

for (const [folder, bindings] of Object.entries(DATABASES)) {
  const list = testEnv.TEST_MIGRATIONS[folder];
  if (!list) throw new Error(`no migrations read for ${folder}`);
  for (const binding of bindings) {
    const db = testEnv[binding] as D1Database | undefined;
    // Every runner binds every worker's databases (vitest.config.ts); a
    // missing one is a misnamed binding, which must not skip silently.
    if (!db) throw new Error(`test runner has no D1 binding ${binding}`);
    await applyD1Migrations(db, list);
  }
}

// The demo catalog, like `npm run dev`: idempotent, so every setup run may apply it.
const catalog = testEnv.CATALOG_DB as D1Database;
await catalog.batch(
  testEnv.TEST_CATALOG_SEED.split('\n')
    .filter((line) => line.trim())
    .map((line) => catalog.prepare(line)),
);
