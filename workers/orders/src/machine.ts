/**
 * The order saga as a pure state machine: (state, input) → (state, effects).
 * No I/O here; the Durable Object persists the new state and its effects
 * (commands and events into the outbox) in one transaction. Keeping it pure
 * is what lets property tests drive thousands of interleavings quickly.
 *
 *   PENDING ─reserved─▶ STOCK_RESERVED ─captured─▶ PAYMENT_CAPTURED ─confirmed─▶ CONFIRMED
 *      │ unavailable        │ declined / deadline / cancel     │ confirm failed / cancel
 *      ▼                    ▼                                  ▼
 *   REJECTED           COMPENSATING ── release (+ refund) acknowledged ──▶ CANCELLED
 */
import type { Money } from '@common/contracts/catalog';
import { INVENTORY_COMMANDS } from '@common/contracts/inventory';
import {
  INVENTORY_COMMANDS_QUEUE,
  isTerminal,
  MESSAGE,
  ORDER_EVENTS,
  type OrderStatus,
  PAYMENTS_COMMANDS_QUEUE,
  type PricedItem,
} from '@common/contracts/orders';
import { PAYMENT_COMMANDS } from '@common/contracts/payments';
import type { Region } from '@common/regions';

export type Compensation = 'pending' | 'done' | null;

export interface SagaState {
  orderId: string;
  customerId: string;
  region: Region;
  items: PricedItem[];
  total: Money;
  status: OrderStatus;
  version: number;
  reason: string | null;
  stockReserved: boolean;
  paymentCaptured: boolean;
  release: Compensation;
  refund: Compensation;
  deadlineAt: number | null;
  createdAt: number;
  updatedAt: number;
  history: Array<{ status: OrderStatus; at: number; reason?: string }>;
}

export type SagaInput =
  | { kind: 'reply'; type: string; reason?: string }
  | { kind: 'deadline' }
  | { kind: 'cancel' };

export interface Effect {
  destination: string;
  type: string;
  payload: unknown;
}

export interface Decision {
  state: SagaState;
  effects: Effect[];
  /** `conflict` answers a cancel that came too late (409). */
  outcome: 'applied' | 'ignored' | 'conflict';
}

export interface SagaTimings {
  /** Deadline of each forward step. */
  step_ms: number;
  /** Interval at which unacknowledged compensations are sent again. */
  retry_ms: number;
}

export const reservationIdOf = (orderId: string) => `${orderId}:stock`;
export const captureIdOf = (orderId: string) => `${orderId}:capture`;
export const refundIdOf = (orderId: string) => `${orderId}:refund`;

export function totalOf(items: PricedItem[]): Money {
  const currency = items[0]?.unitPrice.currency ?? 'USD';
  return { amount: items.reduce((sum, i) => sum + i.unitPrice.amount * i.quantity, 0), currency };
}

// --- commands (the services' own contracts) ---------------------------------

const ref = (s: SagaState) => ({
  reservationId: reservationIdOf(s.orderId),
  region: s.region,
  skus: s.items.map((i) => i.sku),
  correlationId: s.orderId,
});

const reserve = (s: SagaState, t: SagaTimings): Effect => ({
  destination: INVENTORY_COMMANDS_QUEUE,
  type: INVENTORY_COMMANDS.reserveItems,
  // The hold outlives the payment step, and expires by itself if the saga dies.
  payload: {
    reservationId: reservationIdOf(s.orderId),
    region: s.region,
    items: s.items.map(({ sku, quantity }) => ({ sku, quantity })),
    ttl_ms: t.step_ms * 4,
    correlationId: s.orderId,
  },
});
const confirm = (s: SagaState): Effect => ({
  destination: INVENTORY_COMMANDS_QUEUE,
  type: INVENTORY_COMMANDS.confirmReservation,
  payload: ref(s),
});
const release = (s: SagaState): Effect => ({
  destination: INVENTORY_COMMANDS_QUEUE,
  type: INVENTORY_COMMANDS.releaseReservation,
  payload: ref(s),
});
const payment = (s: SagaState) => ({
  customerId: s.customerId,
  region: s.region,
  orderId: s.orderId,
  amount: s.total.amount,
  currency: s.total.currency,
});
const capture = (s: SagaState): Effect => ({
  destination: PAYMENTS_COMMANDS_QUEUE,
  type: PAYMENT_COMMANDS.capturePayment,
  payload: { ...payment(s), operationId: captureIdOf(s.orderId) },
});
/** Refunds the capture, or voids it so that a late capture is refused. */
const refund = (s: SagaState): Effect => ({
  destination: PAYMENTS_COMMANDS_QUEUE,
  type: PAYMENT_COMMANDS.compensateCapture,
  payload: {
    ...payment(s),
    operationId: refundIdOf(s.orderId),
    captureOperationId: captureIdOf(s.orderId),
  },
});

export function snapshotEvent(s: SagaState): Effect {
  const {
    orderId,
    customerId,
    region,
    status,
    version,
    items,
    total,
    reason,
    createdAt,
    updatedAt,
  } = s;
  return {
    destination: ORDER_EVENTS,
    type: MESSAGE.orderStatusChanged,
    payload: {
      orderId,
      customerId,
      region,
      status,
      version,
      items,
      total,
      reason,
      createdAt,
      updatedAt,
    },
  };
}

// --- transitions ----------------------------------------------------------

function moveTo(
  s: SagaState,
  status: OrderStatus,
  now: number,
  t: SagaTimings,
  reason?: string,
): SagaState {
  const terminal = isTerminal(status);
  return {
    ...s,
    status,
    version: s.version + 1,
    reason: reason ?? s.reason,
    updatedAt: now,
    deadlineAt: terminal ? null : now + (status === 'COMPENSATING' ? t.retry_ms : t.step_ms),
    history: [...s.history, { status, at: now, ...(reason ? { reason } : {}) }],
  };
}

/** Enters COMPENSATING: the hold is released, and the payment refunded or voided when it may exist. */
function compensate(
  s: SagaState,
  now: number,
  t: SagaTimings,
  reason: string,
  refundNeeded: boolean,
): Decision {
  const next = moveTo(
    { ...s, release: 'pending', refund: refundNeeded ? 'pending' : s.refund },
    'COMPENSATING',
    now,
    t,
    reason,
  );
  const effects = [release(next), ...(refundNeeded ? [refund(next)] : []), snapshotEvent(next)];
  return { state: next, effects, outcome: 'applied' };
}

/** CANCELLED once every compensation has been acknowledged. */
function settle(s: SagaState, now: number, t: SagaTimings): Decision {
  if (s.status === 'COMPENSATING' && s.release !== 'pending' && s.refund !== 'pending') {
    const next = moveTo(s, 'CANCELLED', now, t);
    return { state: next, effects: [snapshotEvent(next)], outcome: 'applied' };
  }
  return { state: s, effects: [], outcome: 'applied' };
}

const ignored = (s: SagaState): Decision => ({ state: s, effects: [], outcome: 'ignored' });
const cancelling = (s: SagaState) =>
  s.status === 'COMPENSATING' || s.status === 'CANCELLED' || s.status === 'REJECTED';

function onReply(
  s: SagaState,
  type: string,
  now: number,
  t: SagaTimings,
  reason?: string,
): Decision {
  switch (type) {
    case MESSAGE.stockReserved:
      if (s.status === 'PENDING') {
        const next = moveTo({ ...s, stockReserved: true }, 'STOCK_RESERVED', now, t);
        return { state: next, effects: [capture(next), snapshotEvent(next)], outcome: 'applied' };
      }
      // A hold that arrives after the saga gave up is released again.
      if (cancelling(s) && !s.stockReserved) {
        const next = { ...s, stockReserved: true, release: 'pending' as const };
        return { state: next, effects: [release(next)], outcome: 'applied' };
      }
      return ignored(s);
    case MESSAGE.stockUnavailable:
      if (s.status !== 'PENDING') return ignored(s);
      return applied(moveTo(s, 'REJECTED', now, t, reason ?? 'out_of_stock'));
    case MESSAGE.paymentCaptured:
      if (s.status === 'STOCK_RESERVED') {
        const next = moveTo({ ...s, paymentCaptured: true }, 'PAYMENT_CAPTURED', now, t);
        return { state: next, effects: [confirm(next), snapshotEvent(next)], outcome: 'applied' };
      }
      if (cancelling(s) && !s.paymentCaptured) {
        const next = { ...s, paymentCaptured: true, refund: 'pending' as const };
        return { state: next, effects: [refund(next)], outcome: 'applied' };
      }
      return ignored(s);
    case MESSAGE.paymentDeclined:
      if (s.status !== 'STOCK_RESERVED') return ignored(s);
      return compensate(
        s,
        now,
        t,
        reason ? `payment_declined:${reason}` : 'payment_declined',
        false,
      );
    case MESSAGE.reservationConfirmed:
      if (s.status !== 'PAYMENT_CAPTURED') return ignored(s);
      return applied(moveTo(s, 'CONFIRMED', now, t));
    case MESSAGE.reservationConfirmFailed:
      if (s.status !== 'PAYMENT_CAPTURED') return ignored(s);
      return compensate(s, now, t, 'reservation_expired', true);
    case MESSAGE.reservationReleased:
      if (s.release !== 'pending') return ignored(s);
      return settle({ ...s, release: 'done' }, now, t);
    case MESSAGE.paymentRefunded:
      if (s.refund !== 'pending') return ignored(s);
      return settle({ ...s, refund: 'done' }, now, t);
    default:
      return ignored(s);
  }
}

function applied(next: SagaState): Decision {
  return { state: next, effects: [snapshotEvent(next)], outcome: 'applied' };
}

function onDeadline(s: SagaState, now: number, t: SagaTimings): Decision {
  if (s.deadlineAt === null || now < s.deadlineAt) return ignored(s);
  switch (s.status) {
    case 'PENDING':
      return compensate(s, now, t, 'deadline:reserve_stock', false);
    case 'STOCK_RESERVED':
      // The capture may still land: void it so a late capture is refused.
      return compensate(s, now, t, 'deadline:capture_payment', true);
    case 'PAYMENT_CAPTURED':
      // Paid: retry the confirmation rather than give up the sale.
      return {
        state: { ...s, deadlineAt: now + t.step_ms },
        effects: [confirm(s)],
        outcome: 'applied',
      };
    case 'COMPENSATING': {
      // Compensations are retried until acknowledged.
      const effects = [
        ...(s.release === 'pending' ? [release(s)] : []),
        ...(s.refund === 'pending' ? [refund(s)] : []),
      ];
      return { state: { ...s, deadlineAt: now + t.retry_ms }, effects, outcome: 'applied' };
    }
    default:
      return { state: { ...s, deadlineAt: null }, effects: [], outcome: 'ignored' };
  }
}

function onCancel(s: SagaState, now: number, t: SagaTimings): Decision {
  if (isTerminal(s.status)) return { state: s, effects: [], outcome: 'conflict' };
  if (s.status === 'COMPENSATING') return { state: s, effects: [], outcome: 'applied' };
  const refundNeeded = s.status === 'STOCK_RESERVED' || s.status === 'PAYMENT_CAPTURED';
  return compensate(s, now, t, 'cancelled_by_customer', refundNeeded);
}

export function decide(s: SagaState, input: SagaInput, now: number, t: SagaTimings): Decision {
  if (input.kind === 'reply') return onReply(s, input.type, now, t, input.reason);
  if (input.kind === 'deadline') return onDeadline(s, now, t);
  return onCancel(s, now, t);
}

/** The saga's first state and its first command. */
export function start(
  init: { orderId: string; customerId: string; region: Region; items: PricedItem[] },
  now: number,
  t: SagaTimings,
): Decision {
  const state: SagaState = {
    ...init,
    total: totalOf(init.items),
    status: 'PENDING',
    version: 1,
    reason: null,
    stockReserved: false,
    paymentCaptured: false,
    release: null,
    refund: null,
    deadlineAt: now + t.step_ms,
    createdAt: now,
    updatedAt: now,
    history: [{ status: 'PENDING', at: now }],
  };
  return { state, effects: [reserve(state, t), snapshotEvent(state)], outcome: 'applied' };
}
