/**
 * The per-customer notification inbox, fed by domain events (choreography:
 * the publishers do not know this consumer exists). Each event is applied
 * once: the notification row and the inbox record commit together.
 *
 * Residency: each region has its own database (`notificationsDb`); a notice
 * is written only to the database of its event's region (the customer's
 * home region, where the event was produced), and read from there.
 */

import { applyOnceD1, type ConsumeOutcome } from '@common/consumer';
import type { Money } from '@common/contracts/catalog';
import { MESSAGE, OrderSnapshotSchema } from '@common/contracts/orders';
import {
  TRANSFER_EVENT,
  type TransferEventMessage,
  TransferEventMessageSchema,
} from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';
import { newId } from '@common/ids';
import { isRegion, type Region, regionalDb } from '@common/regions';

export const CONSUMER = 'notifications.inbox';

/** The notifications database of a region: the one place that picks it. */
export function notificationsDb(env: NotificationsEnv, region: Region): D1Database {
  return regionalDb(env, region, 'notificationsDb');
}

const ORDER_NOTICES: Record<string, string> = {
  CONFIRMED: 'order.confirmed',
  REJECTED: 'order.rejected',
  CANCELLED: 'order.cancelled',
};

interface Notice {
  customerId: string;
  /** The customer's home region, when the event's payload names it. */
  region?: Region;
  type: string;
  orderId: string | null;
  data: Record<string, unknown>;
}

/** The notice an event deserves, if any. */
export function noticeFor(envelope: Envelope): Notice | undefined {
  if (envelope.type === MESSAGE.orderStatusChanged) {
    const order = OrderSnapshotSchema.parse(envelope.payload);
    const type = ORDER_NOTICES[order.status];
    if (!type) return undefined;
    return {
      customerId: order.customerId,
      region: order.region,
      type,
      orderId: order.orderId,
      data: { status: order.status, amount: order.total, reason: order.reason },
    };
  }
  if (envelope.type === TRANSFER_EVENT) return transferNotice(envelope);
  if (envelope.type === MESSAGE.paymentRefunded || envelope.type === 'payments.refunded') {
    const p = envelope.payload as {
      customerId?: unknown;
      orderId?: unknown;
      amount?: unknown;
      region?: unknown;
    };
    if (typeof p.customerId !== 'string') return undefined;
    return {
      customerId: p.customerId,
      ...(isRegion(p.region) ? { region: p.region } : {}),
      type: 'payment.refunded',
      orderId: typeof p.orderId === 'string' ? p.orderId : null,
      data: { amount: p.amount ?? null },
    };
  }
  return undefined;
}

const TRANSFER_NOTICES: Record<TransferEventMessage['type'], string> = {
  TransferDebited: 'transfer.sent',
  TransferCredited: 'transfer.received',
  TransferReversed: 'transfer.reversed',
};

/** Each side of a transfer is told by its own ledger's event, in its own region. */
function transferNotice(envelope: Envelope): Notice {
  const t = TransferEventMessageSchema.parse(envelope.payload);
  return {
    customerId: t.customerId,
    region: t.region,
    type: TRANSFER_NOTICES[t.type],
    orderId: null,
    data: {
      transferId: t.transferId,
      amount: { amount: t.amount, currency: t.currency },
      fromCustomerId: t.fromCustomerId,
      toCustomerId: t.toCustomerId,
    },
  };
}

export async function applyNotification(
  env: NotificationsEnv,
  envelope: Envelope,
): Promise<ConsumeOutcome> {
  const notice = noticeFor(envelope);
  if (!notice) return 'ignored';
  // A payload that disagrees with its envelope cannot be placed safely: it
  // fails (and is dead-lettered) rather than land in the wrong region.
  if (notice.region !== undefined && notice.region !== envelope.region)
    throw new Error(`notice for ${notice.orderId ?? notice.type}: region mismatch`);
  const db = notificationsDb(env, envelope.region);
  const insert = db
    .prepare(
      'INSERT INTO notifications (id, customer_id, type, order_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .bind(
      newId('ntf'),
      notice.customerId,
      notice.type,
      notice.orderId,
      JSON.stringify(notice.data),
      Date.parse(envelope.occurredAt) || Date.now(),
    );
  return applyOnceD1(db, CONSUMER, envelope.id, [insert]);
}

export interface NotificationItem {
  id: string;
  type: string;
  orderId?: string;
  at: string;
  status?: string;
  reason?: string | null;
  amount?: Money | null;
  /** Transfer notices: the transfer and both sides of it. */
  transferId?: string;
  fromCustomerId?: string;
  toCustomerId?: string;
}

export async function listNotifications(
  db: D1Database,
  customerId: string,
  limit: number,
): Promise<NotificationItem[]> {
  const { results } = await db
    .prepare(
      'SELECT id, type, order_id, data, created_at FROM notifications WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
    )
    .bind(customerId, limit)
    .all<{ id: string; type: string; order_id: string | null; data: string; created_at: number }>();
  return results.map((r) => ({
    id: r.id,
    type: r.type,
    ...(r.order_id ? { orderId: r.order_id } : {}),
    at: new Date(r.created_at).toISOString(),
    ...(JSON.parse(r.data) as Omit<NotificationItem, 'id' | 'type' | 'orderId' | 'at'>),
  }));
}
