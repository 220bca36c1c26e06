// The workers of Meridian and where their configuration lives: the one list
// that the dev server, the type generator, the build, the tests and the bench
// all read.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Gateway first: it is the entry point that serves :8787. */
export const WORKERS = [
  { name: 'gateway', envInterface: 'GatewayEnv', dir: '.' },
  { name: 'identity', envInterface: 'IdentityEnv', dir: 'workers/identity' },
  { name: 'catalog', envInterface: 'CatalogEnv', dir: 'workers/catalog' },
  { name: 'inventory', envInterface: 'InventoryEnv', dir: 'workers/inventory' },
  { name: 'payments', envInterface: 'PaymentsEnv', dir: 'workers/payments' },
  { name: 'orders', envInterface: 'OrdersEnv', dir: 'workers/orders' },
  { name: 'notifications', envInterface: 'NotificationsEnv', dir: 'workers/notifications' },
  { name: 'analytics', envInterface: 'AnalyticsEnv', dir: 'workers/analytics' },
  { name: 'carts', envInterface: 'CartsEnv', dir: 'workers/carts' },
  { name: 'preferences', envInterface: 'PreferencesEnv', dir: 'workers/preferences' },
].map((w) => ({
  ...w,
  config: path.join(root, w.dir, 'wrangler.toml'),
  typesFile: path.join(root, w.dir, 'worker-configuration.d.ts'),
  entry: path.join(root, w.dir, 'src/index.ts'),
}));

export const SERVICE_WORKERS = WORKERS.filter((w) => w.name !== 'gateway');

/** Local binary of a dev dependency, run with the pinned Node. */
export const bin = (name) => path.join(root, 'node_modules', '.bin', name);

/**
 * Environment for child processes: the project's `node_modules/.bin` first on
 * PATH so `#!/usr/bin/env node` scripts (wrangler, vitest) get the pinned
 * Node 24 rather than the system's.
 */
export function childEnv(extra = {}) {
  return {
    ...process.env,
    PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    WRANGLER_SEND_METRICS: 'false',
    ...extra,
  };
}
