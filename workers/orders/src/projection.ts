/**
 * The orders read model: one D1 database per region, fed by the saga's
 * `order.status_changed` events. Eventually consistent; the version guard
 * keeps a late, older event from moving an order backwards, and the inbox
 * makes a redelivery a no-op.
 */

import { applyOnceD1, type ConsumeOutcome } from '@common/consumer';
import { MESSAGE, type OrderSnapshot, OrderSnapshotSchema } from '@common/contracts/orders';
import { readSession } from '@common/d1-session';
import type { Envelope } from '@common/envelope';
import { REGION_CONFIG, type Region } from '@common/regions';

export const CONSUMER = 'orders.read-model';

/** The read-model database of a region: the one place that picks it. */
export function ordersDb(env: OrdersEnv, region: Region): D1Database {
  return env[REGION_CONFIG[region].ordersDb as keyof OrdersEnv] as D1Database;
}

export async function project(env: OrdersEnv, envelope: Envelope): Promise<ConsumeOutcome> {
  if (envelope.type !== MESSAGE.orderStatusChanged) return 'ignored';
  const order = OrderSnapshotSchema.parse(envelope.payload);
  // Residency: an order is written only to its own region's database.
  if (order.region !== envelope.region)
    throw new Error(`order ${order.orderId} event region mismatch`);
  const db = ordersDb(env, order.region);
  const upsert = db
    .prepare(
      `INSERT INTO orders (id, customer_id, status, total_amount, currency, items, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, version = excluded.version,
         updated_at = excluded.updated_at
       WHERE excluded.version > orders.version`,
    )
    .bind(
      order.orderId,
      order.customerId,
      order.status,
      order.total.amount,
      order.total.currency,
      JSON.stringify(order.items),
      order.version,
      order.createdAt,
      order.updatedAt,
    );
  return applyOnceD1(db, CONSUMER, envelope.id, [upsert]);
}

export interface OrderSummary {
  orderId: string;
  customerId: string;
  status: OrderSnapshot['status'];
  total: OrderSnapshot['total'];
  items: OrderSnapshot['items'];
  createdAt: string;
  updatedAt: string;
}

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderSnapshot['status'];
  total_amount: number;
  currency: string;
  items: string;
  created_at: number;
  updated_at: number;
}

/**
 * A customer's orders, or (customerId null, for operators) every order of
 * the region, read in a D1 session (common/d1-session.ts): at or after
 * `bookmark` when given, else from the nearest replica; with the session's
 * bookmark for the next read.
 */
export async function listOrders(
  env: OrdersEnv,
  region: Region,
  customerId: string | null,
  limit: number,
  bookmark?: string | null,
): Promise<{ items: OrderSummary[]; bookmark: string | null }> {
  const db = readSession(ordersDb(env, region), bookmark);
  const query =
    customerId === null
      ? db.prepare('SELECT * FROM orders ORDER BY created_at DESC, id DESC LIMIT ?').bind(limit)
      : db
          .prepare(
            'SELECT * FROM orders WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
          )
          .bind(customerId, limit);
  const { results } = await query.all<OrderRow>();
  const items = results.map((r) => ({
    orderId: r.id,
    customerId: r.customer_id,
    status: r.status,
    total: { amount: r.total_amount, currency: r.currency },
    items: JSON.parse(r.items) as OrderSummary['items'],
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
  return { items, bookmark: db.getBookmark() };
}
