/** Fixtures for the catalog's tests: rows written straight into D1, and waiting helpers. */
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { CreateProductInput } from '@common/contracts/catalog';
import type { Envelope } from '@common/envelope';
import { newId } from '@common/ids';
import { createLogger } from '@common/log';
import type { CallMeta } from '@common/rpc';
import { eventually } from '../../../test/support/eventually';
import CatalogService from '../src/index';
import { CatalogReader } from '../src/reader';
import type { WriteContext } from '../src/writes';

export { eventually };

export const catalog = exports.default as unknown as Service<typeof CatalogService>;
export const testEnv = env as unknown as CatalogEnv & { IDENTITY_DB: D1Database };

export const meta: CallMeta = {
  requestId: 'req_catalog_test',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const uniqueSku = (prefix = 'T') => `${prefix}-${newId('op').slice(-12)}`;

export function productInput(overrides: Partial<CreateProductInput> = {}): CreateProductInput {
  return {
    sku: uniqueSku(),
    name: 'Test product',
    description: 'for tests',
    category: 'test',
    price: { amount: 1999, currency: 'USD' },
    ...overrides,
  };
}

/**
 * Inserts a product row directly, without an outbox event: reads of it are
 * never invalidated, so tests see the cache levels alone.
 */
export async function insertRow(
  overrides: { id?: string; category?: string; name?: string } = {},
): Promise<{ id: string; sku: string }> {
  const id = overrides.id ?? newId('prd');
  const sku = uniqueSku('ROW');
  const now = Date.now();
  await testEnv.CATALOG_DB.prepare(
    `INSERT INTO products (id, sku, name, description, category, price_amount, currency, created_at, updated_at, version)
     VALUES (?, ?, ?, '', ?, 1500, 'USD', ?, ?, 1)`,
  )
    .bind(id, sku, overrides.name ?? 'Row product', overrides.category ?? 'rows', now, now)
    .run();
  return { id, sku };
}

/** Changes a row behind the caches' back, as if its invalidation were lost. */
export async function bumpRowUnseen(id: string, name: string): Promise<void> {
  await testEnv.CATALOG_DB.prepare(
    'UPDATE products SET name = ?, version = version + 1, updated_at = ? WHERE id = ?',
  )
    .bind(name, Date.now(), id)
    .run();
}

/** A reader in this isolate (the same memory as the service) with its own D1 and waitUntil. */
export function readerWith(d1: D1Database = testEnv.CATALOG_DB, vars: Partial<CatalogEnv> = {}) {
  const pending: Promise<unknown>[] = [];
  const reader = new CatalogReader(
    { ...testEnv, ...vars },
    {
      waitUntil: (p) => pending.push(p),
      log: createLogger({ service: 'catalog-test' }),
      d1,
    },
  );
  return { reader, settled: () => Promise.allSettled(pending) };
}

export async function outboxRows(): Promise<Array<{ message_id: string; envelope: string }>> {
  const { results } = await testEnv.CATALOG_DB.prepare(
    'SELECT message_id, envelope FROM outbox ORDER BY seq',
  ).all<{ message_id: string; envelope: string }>();
  return results;
}

export async function inboxHas(consumer: string, messageId: string): Promise<boolean> {
  const row = await testEnv.CATALOG_DB.prepare(
    'SELECT 1 AS seen FROM inbox WHERE consumer = ? AND message_id = ?',
  )
    .bind(consumer, messageId)
    .first();
  return row !== null;
}

/** The catalog entrypoint with a test execution context, to drive its queue and cron handlers. */
export function serviceInstance() {
  const ctx = createExecutionContext();
  const service = new CatalogService(ctx, testEnv);
  return { service, ctx, settled: () => waitOnExecutionContext(ctx) };
}

/** Delivers envelopes to the catalog's queue handler as the catalog-events queue would. */
export async function deliver(...envelopes: Envelope[]) {
  const { service, ctx } = serviceInstance();
  const batch = createMessageBatch(
    'meridian-catalog-events',
    envelopes.map((body, i) => ({
      id: `${body.id}-${i}`,
      timestamp: Date.now(),
      attempts: 1,
      body,
    })),
  );
  await service.queue(batch);
  return getQueueResult(batch, ctx);
}

/** Waits until background relays have drained the outbox. */
export async function outboxDrained(): Promise<void> {
  await eventually(outboxRows, (rows) => rows.length === 0);
}

export const writeContext = (): WriteContext => ({
  d1: testEnv.CATALOG_DB,
  meta,
  region: 'us',
});

/** The envelope the outbox holds for the latest write of `productId`, removed from the outbox. */
export async function takeEvent(productId: string): Promise<Envelope> {
  const rows = await outboxRows();
  const row = rows.reverse().find((r) => r.envelope.includes(productId));
  if (!row) throw new Error(`no outbox event for ${productId}`);
  await testEnv.CATALOG_DB.prepare('DELETE FROM outbox WHERE message_id = ?')
    .bind(row.message_id)
    .run();
  return JSON.parse(row.envelope) as Envelope;
}
