/**
 * What one domain event adds to the analytics of its region, decided without
 * I/O: an `Observation` is the delta (counts, money, SKU quantities, a saga
 * latency) the aggregator applies to the event's window. It carries no
 * customer or order ids: aggregates hold none, so only the event in flight
 * does (and it stays in its region's queue and aggregator).
 *
 * The events, choreographed (the publishers do not know this consumer):
 * - `order.status_changed` (order saga): PENDING is an order placed;
 *   CONFIRMED, REJECTED, CANCELLED end it, with its saga latency
 *   (placement to terminal, both on the saga's clock). A confirmed order
 *   adds its total to revenue and its lines to the top SKUs. A terminal
 *   event also says how the saga's replies came (fast path or queue).
 * - `payments.ledger_event` (account ledgers): captures and refunds.
 * - `inventory.reservation_rejected` (inventory shards): stock-outs, one per
 *   SKU line refused for want of stock.
 */
import { RESERVATION_EVENTS, ReservationEventSchema } from '@common/contracts/inventory';
import { MESSAGE, OrderSnapshotSchema, type OrderStatus } from '@common/contracts/orders';
import { LEDGER_EVENT, LedgerEventMessageSchema } from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';
import type { Region } from '@common/regions';

export const COUNT_NAMES = [
  'placed',
  'confirmed',
  'cancelled',
  'rejected',
  'stockouts',
  'captures',
  'refunds',
  'replies_fast_path',
  'replies_queue',
] as const;
export type CountName = (typeof COUNT_NAMES)[number];

export const MONEY_KINDS = ['revenue', 'captured', 'refunded'] as const;
export type MoneyKind = (typeof MONEY_KINDS)[number];

/** Sums of money by kind and currency (minor units), as buckets and totals keep them. */
export type MoneyTable = Partial<Record<MoneyKind, Record<string, number>>>;

export function addMoney(
  table: MoneyTable,
  kind: MoneyKind,
  currency: string,
  amount: number,
): void {
  const byCurrency = table[kind] ?? {};
  byCurrency[currency] = (byCurrency[currency] ?? 0) + amount;
  table[kind] = byCurrency;
}

export interface MoneyDelta {
  kind: MoneyKind;
  currency: string;
  amount: number;
}

export interface Observation {
  /** The envelope id: the inbox key. */
  id: string;
  region: Region;
  /** Event time (epoch ms): which window it belongs to. */
  at: number;
  /** What happened, for logs and Analytics Engine (`order.CONFIRMED`, `payment.captured`). */
  kind: string;
  counts: Partial<Record<CountName, number>>;
  money: MoneyDelta[];
  skus: Array<{ sku: string; quantity: number }>;
  latency_ms?: number;
}

const TERMINAL: Partial<Record<OrderStatus, CountName>> = {
  CONFIRMED: 'confirmed',
  REJECTED: 'rejected',
  CANCELLED: 'cancelled',
};

/** Refuses an event whose payload names another region than its envelope: it never lands elsewhere. */
function sameRegion(envelope: Envelope, region: Region): void {
  if (region !== envelope.region)
    throw new Error(
      `event ${envelope.id} names region ${region} but travels in ${envelope.region}`,
    );
}

function eventTime(envelope: Envelope): number {
  const at = Date.parse(envelope.occurredAt);
  if (!Number.isFinite(at)) throw new Error(`event ${envelope.id} has no valid occurredAt`);
  return at;
}

function orderObservation(envelope: Envelope, base: Omit<Observation, 'kind' | 'counts'>) {
  const order = OrderSnapshotSchema.parse(envelope.payload);
  sameRegion(envelope, order.region);
  if (order.status === 'PENDING') return { ...base, kind: 'order.PENDING', counts: { placed: 1 } };
  const terminal = TERMINAL[order.status];
  if (!terminal) return undefined;
  const confirmed = order.status === 'CONFIRMED';
  const replies = order.replies;
  return {
    ...base,
    kind: `order.${order.status}`,
    counts: replies
      ? { [terminal]: 1, replies_fast_path: replies.fastPath, replies_queue: replies.queue }
      : { [terminal]: 1 },
    latency_ms: Math.max(0, order.updatedAt - order.createdAt),
    money: confirmed ? [{ kind: 'revenue' as const, ...order.total }] : [],
    skus: confirmed ? order.items.map(({ sku, quantity }) => ({ sku, quantity })) : [],
  };
}

/** Ledger events analytics counts: what each adds. */
const LEDGER_KINDS = {
  PaymentCaptured: { kind: 'payment.captured', count: 'captures', money: 'captured' },
  PaymentRefunded: { kind: 'payment.refunded', count: 'refunds', money: 'refunded' },
} as const satisfies Partial<Record<string, { kind: string; count: CountName; money: MoneyKind }>>;

function ledgerObservation(envelope: Envelope, base: Omit<Observation, 'kind' | 'counts'>) {
  const event = LedgerEventMessageSchema.parse(envelope.payload);
  sameRegion(envelope, event.region);
  const counted =
    event.type in LEDGER_KINDS ? LEDGER_KINDS[event.type as keyof typeof LEDGER_KINDS] : undefined;
  if (!counted) return undefined;
  return {
    ...base,
    kind: counted.kind,
    counts: { [counted.count]: 1 },
    money: [{ kind: counted.money, currency: event.currency, amount: event.amount }],
  };
}

/**
 * The observation of `envelope`, or undefined for an event analytics does
 * not count. Throws on a malformed payload or a region mismatch (the
 * consumer retries, then dead-letters it).
 */
export function observe(envelope: Envelope): Observation | undefined {
  const base = {
    id: envelope.id,
    region: envelope.region,
    at: eventTime(envelope),
    money: [],
    skus: [],
  };
  if (envelope.type === MESSAGE.orderStatusChanged) return orderObservation(envelope, base);
  if (envelope.type === LEDGER_EVENT) return ledgerObservation(envelope, base);
  if (envelope.type === RESERVATION_EVENTS.rejected) {
    // One event per shard of the reservation: each counts its own short lines.
    const reservation = ReservationEventSchema.parse(envelope.payload);
    sameRegion(envelope, reservation.region);
    const short = reservation.shortages?.length ?? 0;
    return short > 0
      ? { ...base, kind: 'inventory.stockout', counts: { stockouts: short } }
      : undefined;
  }
  return undefined;
}
