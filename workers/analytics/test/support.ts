/** Crafted events and a driver for the analytics consumer: time is controlled through `occurredAt`. */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import {
  ANALYTICS_QUEUE,
  type AnalyticsWindow,
  type RegionAnalytics,
} from '@common/contracts/analytics';
import { RESERVATION_EVENTS, type ReservationEvent } from '@common/contracts/inventory';
import { MESSAGE, type OrderSnapshot, type PricedItem } from '@common/contracts/orders';
import { LEDGER_EVENT, type LedgerEventMessage } from '@common/contracts/payments';
import { type Envelope, makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { type Region, regionalQueue } from '@common/regions';
import AnalyticsService from '../src/index';

export const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export interface OrderEventInit {
  status?: OrderSnapshot['status'];
  /** Event time (epoch ms); default now. */
  at?: number;
  items?: Array<Pick<PricedItem, 'sku' | 'quantity'> & { price?: number }>;
  /** Placement to this event (ms). */
  latency_ms?: number;
  /** The payload's region when it should disagree with the envelope's. */
  payloadRegion?: Region;
  /** How the saga's replies came (terminal events). */
  replies?: OrderSnapshot['replies'];
}

/** An `order.status_changed` event as the saga publishes it. */
export function orderEvent(region: Region, init: OrderEventInit = {}): Envelope<OrderSnapshot> {
  const at = init.at ?? Date.now();
  const items = (init.items ?? [{ sku: 'AN-SKU-1', quantity: 1 }]).map((i) => ({
    sku: i.sku,
    quantity: i.quantity,
    unitPrice: { amount: i.price ?? 1000, currency: 'USD' },
  }));
  const orderId = newId('ord');
  const payload: OrderSnapshot = {
    orderId,
    customerId: newId('cus'),
    region: init.payloadRegion ?? region,
    status: init.status ?? 'PENDING',
    version: 1,
    items,
    total: {
      amount: items.reduce((s, i) => s + i.unitPrice.amount * i.quantity, 0),
      currency: 'USD',
    },
    reason: null,
    createdAt: at - (init.latency_ms ?? 0),
    updatedAt: at,
    ...(init.replies ? { replies: init.replies } : {}),
  };
  return makeEnvelope({
    type: MESSAGE.orderStatusChanged,
    payload,
    region,
    correlationId: orderId,
    traceparent: TRACE,
    now: at,
  });
}

/** A ledger event (`PaymentCaptured`, `PaymentRefunded`, …) as an account ledger publishes it. */
export function ledgerEvent(
  region: Region,
  type: LedgerEventMessage['type'],
  amount: number,
  at = Date.now(),
): Envelope<LedgerEventMessage> {
  const payload: LedgerEventMessage = {
    accountId: newId('acc'),
    customerId: newId('cus'),
    region,
    seq: 2,
    type,
    amount,
    currency: 'USD',
    balanceAfter: 0,
    reference: newId('ord'),
    at,
  };
  const correlationId = payload.reference ?? '';
  return makeEnvelope({
    type: LEDGER_EVENT,
    payload,
    region,
    correlationId,
    traceparent: TRACE,
    now: at,
  });
}

/** A shard's `reservation_rejected` event with one shortage per SKU in `short`. */
export function stockoutEvent(
  region: Region,
  short: string[],
  at = Date.now(),
): Envelope<ReservationEvent> {
  const payload: ReservationEvent = {
    reservationId: newId('res'),
    region,
    status: 'rejected',
    items: short.map((sku) => ({ sku, quantity: 5 })),
    expiresAt: at,
    shortages: short.map((sku) => ({ sku, requested: 5, available: 1 })),
  };
  return makeEnvelope({
    type: RESERVATION_EVENTS.rejected,
    payload,
    region,
    correlationId: payload.reservationId,
    traceparent: TRACE,
    now: at,
  });
}

/** The region of the first body that names one (an envelope), else us. */
function regionOf(bodies: unknown[]): Region {
  const named = bodies.find(
    (b): b is { region: Region } => typeof b === 'object' && b !== null && 'region' in b,
  );
  return named?.region ?? 'us';
}

/**
 * Delivers `bodies` to the analytics consumer as one batch, as the queue
 * would: by default on the analytics queue of the first event's region;
 * `bindings` replaces some of the worker's (a fake Analytics Engine).
 */
export async function deliver(
  bodies: unknown[],
  {
    queue = regionalQueue(ANALYTICS_QUEUE, regionOf(bodies)),
    attempts = 1,
    bindings = {},
  }: { queue?: string; attempts?: number; bindings?: Partial<AnalyticsEnv> } = {},
) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: newId('msg'), timestamp: Date.now(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await new AnalyticsService(ctx, { ...env, ...bindings } as AnalyticsEnv).queue(batch);
  return getQueueResult(batch, ctx);
}

/** The analytics worker's `/metrics` samples named `name` with `labels`, summed. */
export async function metricOf(name: string, labels: Record<string, string>): Promise<number> {
  const samples = await new AnalyticsService(createExecutionContext(), env).metrics();
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** One region's window, read through the entrypoint as the gateway reads it. */
export function windowOf(
  region: Region,
  kind: AnalyticsWindow,
  at = Date.now(),
  top = 10,
): Promise<RegionAnalytics> {
  return new AnalyticsService(createExecutionContext(), env).window(region, kind, at, top);
}
