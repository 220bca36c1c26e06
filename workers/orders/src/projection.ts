/**
 * The orders read model: one D1 database per region, fed by the saga's
 * `order.status_changed` events. Eventually consistent; the version guard
 * keeps a late, older event from moving an order backwards, and the inbox
 * makes a redelivery a no-op.
 */

import { applyOnceD1, type ConsumeOutcome } from '@common/consumer';
import {
  MESSAGE,
  ORDER_STATUSES,
  type OrderSnapshot,
  OrderSnapshotSchema,
} from '@common/contracts/orders';
import { type D1Reader, readSession } from '@common/d1-session';
import type { Envelope } from '@common/envelope';
import { REGION_CONFIG, type Region } from '@common/regions';
import { z } from 'zod';

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

/** Where a page starts: after the order with this creation time and id (newest first). */
export interface OrderPosition {
  /** Epoch ms. */
  createdAt: number;
  orderId: string;
}

export const ORDERS_PAGE_MAX = 101;

/** A page of one region's read model, pushed down to D1 (operators' filters and keyset). */
const RegionOrdersQuerySchema = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  customerId: z.string().min(1).max(64).optional(),
  after: z
    .object({ createdAt: z.number().int().nonnegative(), orderId: z.string().min(1).max(64) })
    .optional(),
  limit: z.number().int().min(1).max(ORDERS_PAGE_MAX),
});
export type RegionOrdersQuery = z.input<typeof RegionOrdersQuerySchema>;

/**
 * Orders of one region, newest first (`created_at DESC, id DESC`, a total
 * order: ids are unique), filtered by status and customer, after a keyset
 * position, at most `limit`: every filter is in the query, behind an index.
 * Read by `db`: the region's database or a read session of it.
 */
export async function queryOrders(db: D1Reader, query: RegionOrdersQuery): Promise<OrderSummary[]> {
  const { status, customerId, after, limit } = RegionOrdersQuerySchema.parse(query);
  const filters: Array<[clause: string, ...values: (string | number)[]]> = [];
  if (status) filters.push(['status = ?', status]);
  if (customerId) filters.push(['customer_id = ?', customerId]);
  if (after) filters.push(['(created_at, id) < (?, ?)', after.createdAt, after.orderId]);
  const where = filters.length ? `WHERE ${filters.map(([clause]) => clause).join(' AND ')}` : '';
  const { results } = await db
    .prepare(`SELECT * FROM orders ${where} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...filters.flatMap(([, ...values]) => values), limit)
    .all<OrderRow>();
  return results.map(summaryOf);
}

/**
 * A customer's orders, read in a D1 session (common/d1-session.ts): at or
 * after `bookmark` when given, else from the nearest replica; with the
 * session's bookmark for the next read.
 */
export async function listOrders(
  env: OrdersEnv,
  region: Region,
  customerId: string,
  limit: number,
  bookmark?: string | null,
): Promise<{ items: OrderSummary[]; bookmark: string | null }> {
  const session = readSession(ordersDb(env, region), bookmark);
  const items = await queryOrders(session, { customerId, limit });
  return { items, bookmark: session.getBookmark() };
}

function summaryOf(r: OrderRow): OrderSummary {
  return {
    orderId: r.id,
    customerId: r.customer_id,
    status: r.status,
    total: { amount: r.total_amount, currency: r.currency },
    items: JSON.parse(r.items) as OrderSummary['items'],
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}
