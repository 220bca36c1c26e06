// Applies every database's migrations through the runner's bindings (the same
// storage the services use). applyD1Migrations skips ones already applied.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

type TestEnv = Record<string, unknown> & {
  TEST_MIGRATIONS: Record<string, Parameters<typeof applyD1Migrations>[1]>;
};
const testEnv = env as unknown as TestEnv;

const DATABASES: Record<string, string[]> = {
  catalog: ['CATALOG_DB'],
  identity: ['IDENTITY_DB'],
  payments: ['PAYMENTS_DB'],
  orders: ['ORDERS_DB_US', 'ORDERS_DB_EU', 'ORDERS_DB_APAC'],
  notifications: ['NOTIFICATIONS_DB'],
};

for (const [folder, bindings] of Object.entries(DATABASES)) {
  for (const binding of bindings) {
    const db = testEnv[binding] as D1Database | undefined;
    const list = testEnv.TEST_MIGRATIONS[folder];
    if (db && list) await applyD1Migrations(db, list);
  }
}
