// Orders as a client sees them: POST /v1/orders (retried with the same
// Idempotency-Key until it answers, so a lost answer never hides an order),
// optionally a cancel right away, then long polls of GET /v1/orders/{id}
// until a terminal status. The saga's steps at the shard and the ledger are
// then known to have happened between the POST and that answer; the saga's
// history says which ones did.
import { randomUUID } from 'node:crypto';
import { call, customerHeaders, now, sleep } from './system.mjs';

const TERMINAL = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);

/** POSTs until a definite answer (202 or a 4xx), or until `until`. */
async function place(system, customer, items, until) {
  const key = `cns-order-${randomUUID()}`;
  const first = now();
  for (let attempt = 0; now() < until; attempt++) {
    const res = await call(system, '/v1/orders', {
      method: 'POST',
      headers: customerHeaders(customer, key),
      body: { items },
    });
    if (res.status === 202) return { orderId: res.body.orderId, call: first };
    if (res.status >= 400 && res.status < 500 && res.status !== 409 && res.status !== 429)
      return { refused: res.status, call: first };
    await sleep(Math.min(1000, 50 * 2 ** attempt));
  }
  return { lost: true, call: first };
}

/**
 * Places one order of `items` and follows it to its end (or `settle_until`).
 * Resolves with what the client learned: the order's id, terminal status,
 * history and total, and the interval within which its saga acted.
 */
export async function placeAndFollow(
  system,
  customer,
  items,
  { cancel = false, until, settle_until },
) {
  const placed = await place(system, customer, items, until);
  if (placed.refused) return { refused: placed.refused };
  // Never learned its id: the saga may run, unobserved, until the end.
  if (placed.lost)
    return { orderId: `lost-${randomUUID()}`, call: placed.call, return: Number.POSITIVE_INFINITY };
  const { orderId } = placed;
  if (cancel) {
    await call(system, `/v1/orders/${orderId}/cancel`, {
      method: 'POST',
      headers: customerHeaders(customer),
    });
  }
  while (now() < settle_until) {
    const res = await call(system, `/v1/orders/${orderId}?waitMs=5000`, {
      headers: customerHeaders(customer),
    });
    if (res.status === 200 && TERMINAL.has(res.body.status)) {
      return { orderId, call: placed.call, return: res.return, order: res.body };
    }
    if (res.status !== 200) await sleep(200);
  }
  return { orderId, call: placed.call, return: Number.POSITIVE_INFINITY };
}

const reached = (order, status) => order.history.some((h) => h.status === status);
const reasonOf = (order) => order.history.find((h) => h.reason)?.reason ?? '';

/** The shard's view of one single-item order: reserve, confirm, release. */
export function stockOperations(followed, key, quantity, clientId) {
  const { orderId, call: at, return: ret, order } = followed;
  const op = (input, kind) => ({
    clientId,
    input: { key, order: orderId, ...input },
    call: at,
    output: { kind },
    return: ret,
  });
  if (!order) {
    return [
      op({ op: 'reserve', quantity }, 'unknown'),
      op({ op: 'confirm' }, 'unknown'),
      op({ op: 'release' }, 'unknown'),
    ];
  }
  if (order.status === 'CONFIRMED')
    return [op({ op: 'reserve', quantity }, 'held'), op({ op: 'confirm' }, 'done')];
  if (order.status === 'REJECTED') {
    if (reasonOf(order) === 'out_of_stock')
      return [op({ op: 'reserve', quantity }, 'out_of_stock')];
    return [op({ op: 'reserve', quantity }, 'unknown'), op({ op: 'release' }, 'unknown')];
  }
  return [
    op({ op: 'reserve', quantity }, reached(order, 'STOCK_RESERVED') ? 'held' : 'unknown'),
    ...(reached(order, 'PAYMENT_CAPTURED') ? [op({ op: 'confirm' }, 'unknown')] : []),
    op({ op: 'release' }, 'done'),
  ];
}

/** The ledger's view of one order: a capture when the saga asked for one, a refund when it compensated. */
export function ledgerOperations(followed, account, amount, clientId) {
  const { orderId, call: at, return: ret, order } = followed;
  const op = (kind, outcome) => ({
    clientId,
    input: { op: kind, account, order: orderId, amount },
    call: at,
    output: { kind: outcome },
    return: ret,
  });
  if (!order) return [op('capture', 'unknown'), op('refund', 'unknown')];
  if (reached(order, 'PAYMENT_CAPTURED')) {
    return order.status === 'CANCELLED'
      ? [op('capture', 'captured'), op('refund', 'done')]
      : [op('capture', 'captured')];
  }
  if (!reached(order, 'STOCK_RESERVED')) return [];
  if (reasonOf(order).startsWith('payment_declined')) return [op('capture', 'refused')];
  return [op('capture', 'unknown'), op('refund', 'done')];
}
