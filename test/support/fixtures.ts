/** Test fixtures: rows written straight into service stores through the runner's test-only bindings. */
import { env } from 'cloudflare:workers';
import { makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { type Region, regionalDb } from '@common/regions';
import { expect } from 'vitest';
import { call, operatorKey } from './clients';

export const testEnv = env as unknown as GatewayEnv & {
  CATALOG_DB: D1Database;
  NOTIFICATIONS_DB_US: D1Database;
  ADMIN_API_KEY: string;
};

export interface ProductFixture {
  id: string;
  sku: string;
  category: string;
}

export async function insertProduct(
  overrides: Partial<ProductFixture> = {},
): Promise<ProductFixture> {
  const id = overrides.id ?? newId('prd');
  const sku = overrides.sku ?? `T-${id.slice(-10)}`;
  const category = overrides.category ?? 'test';
  const now = Date.now();
  await testEnv.CATALOG_DB.prepare(
    `INSERT INTO products (id, sku, name, description, category, price_amount, currency, created_at, updated_at, version)
     VALUES (?, ?, ?, '', ?, 1999, 'USD', ?, ?, 1)`,
  )
    .bind(id, sku, `Product ${sku}`, category, now, now)
    .run();
  return { id, sku, category };
}

/** A new product whose SKU (`<prefix>-…`) has `quantity` units in `region`, restocked as an operator. */
export async function stockedSku(prefix: string, quantity: number, region: Region = 'us') {
  const sku = `${prefix}-${newId('op').slice(-10)}`;
  await insertProduct({ sku });
  const res = await call('POST', `/v1/inventory/${sku}/restock`, {
    apiKey: operatorKey(),
    body: { quantity, region },
  });
  expect(res.status).toBe(200);
  return sku;
}

export const adminHeaders = (): Record<string, string> => ({
  'content-type': 'application/json',
  'x-api-key': testEnv.ADMIN_API_KEY,
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A dead letter as the dead-letter consumer stores it: an event of the
 * notifications queue that exhausted its retries. Its type is one the
 * notifications consumer ignores, so replaying it has no effect.
 */
export async function insertDeadLetter(): Promise<string> {
  const id = newId('dlq');
  const envelope = makeEnvelope({
    type: 'test.unhandled',
    payload: {},
    region: 'us',
    correlationId: id,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
  // Dead letters live in their message's region (us here), from that region's queue.
  await testEnv.NOTIFICATIONS_DB_US.prepare(
    `INSERT INTO dead_letters (id, queue, envelope_id, type, body, attempts, received_at, error, message_id)
     VALUES (?, 'meridian-notification-events-us', ?, ?, ?, 5, ?, 'test: handler threw', ?)`,
  )
    .bind(id, envelope.id, envelope.type, JSON.stringify(envelope), Date.now(), crypto.randomUUID())
    .run();
  return id;
}

export interface OrderRowFixture {
  region: 'us' | 'eu' | 'apac';
  customerId: string;
  status: string;
  /** Epoch ms. */
  createdAt: number;
  orderId?: string;
}

/** An order as the orders read model of its region holds it (no saga behind it). */
export async function insertOrderRow(row: OrderRowFixture): Promise<string> {
  const orderId = row.orderId ?? newId('ord', row.createdAt);
  const db = regionalDb(env, row.region, 'ordersDb');
  await db
    .prepare(
      `INSERT INTO orders (id, customer_id, status, total_amount, currency, items, version, created_at, updated_at)
       VALUES (?, ?, ?, 1999, 'USD', '[]', 1, ?, ?)`,
    )
    .bind(orderId, row.customerId, row.status, row.createdAt, row.createdAt)
    .run();
  return orderId;
}
