/** Crafted events and a driver for the analytics consumer: time is controlled through `occurredAt`. */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import {
  ANALYTICS_QUEUE,
  type AnalyticsWindow,
  type RegionAnalytics,
} from '@common/contracts/analytics';
import { MESSAGE, type OrderSnapshot, type PricedItem } from '@common/contracts/orders';
import { type Envelope, makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import type { Region } from '@common/regions';
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

/**
 * Delivers `bodies` to the analytics consumer as one batch, as the queue
 * would; `bindings` replaces some of the worker's (a fake Analytics Engine).
 */
export async function deliver(
  bodies: unknown[],
  {
    queue = ANALYTICS_QUEUE,
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

/** One region's window, read through the entrypoint as the gateway reads it. */
export function windowOf(
  region: Region,
  kind: AnalyticsWindow,
  at = Date.now(),
  top = 10,
): Promise<RegionAnalytics> {
  return new AnalyticsService(createExecutionContext(), env).window(region, kind, at, top);
}
