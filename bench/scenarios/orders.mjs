// Orders placed → CONFIRMED: order-lone (one client) and order-load
// (BENCH_CONCURRENCY clients, 16 by default). Each client is one customer
// (registered and funded up front) in a closed loop: POST /v1/orders, then long-poll
// GET /v1/orders/{id}?waitMs=10000 until a terminal status. Latency is from
// the POST to the answer that says CONFIRMED; any other end is an error. The
// saga calls inventory and payments directly (its fast path); a call that
// fails goes over its queue with the consumers' batching from wrangler.toml,
// which run.mjs prints.
import {
  admin,
  customerHeaders,
  deposit,
  measure,
  registerCustomer,
  request,
} from '../harness.mjs';

const SKU = 'MRD-TEE-001';
const REGION = 'us';
const TERMINAL = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);
/** An order takes seconds: its window is this many times the others'. */
export const ORDERS_WINDOW_FACTOR = 6;
/** Long polls per order before giving up (each waits up to 10 s). */
const POLLS_MAX = 6;

/** `count` customers in `region`, each with funds for far more orders than a run places. */
async function fundedCustomers(system, count) {
  const customers = [];
  // Registration hashes a password (PBKDF2, 100k iterations): a few at a time.
  for (let i = 0; i < count; i += 4) {
    const batch = Array.from({ length: Math.min(4, count - i) }, () =>
      registerCustomer(system, { region: REGION }),
    );
    customers.push(...(await Promise.all(batch)));
  }
  await Promise.all(customers.map((c) => deposit(system, c, 100_000_000)));
  return customers;
}

/** Places one order and waits for its end; resolves with the terminal status (or what failed). */
async function placeAndAwait(system, customer) {
  const placed = await request(system.gateway, '/v1/orders', {
    method: 'POST',
    headers: customerHeaders(customer, { idempotent: true }),
    body: { items: [{ sku: SKU, quantity: 1 }] },
  });
  if (placed.status !== 202) return `POST ${placed.status}`;
  const { orderId } = JSON.parse(placed.text);
  customer.lastOrderId = orderId;
  for (let poll = 0; poll < POLLS_MAX; poll++) {
    const res = await request(system.gateway, `/v1/orders/${orderId}?waitMs=10000`, {
      headers: customerHeaders(customer),
    });
    if (res.status !== 200) return `GET ${res.status}`;
    const { status } = JSON.parse(res.text);
    if (TERMINAL.has(status)) return status;
  }
  return `not terminal after ${POLLS_MAX} polls`;
}

/** One orders measurement: `customers.length` clients, each placing its customer's orders in turn. */
function measureOrders(system, id, customers, options) {
  // An order may take seconds (queue hops), so its window is longer and the
  // warm-up lasts until the loop is in its steady state.
  return measure(id, (i) => placeAndAwait(system, customers[i]), {
    ...options,
    concurrency: customers.length,
    duration_ms: options.duration_ms * ORDERS_WINDOW_FACTOR,
    warmup_ms: Math.max(options.warmup_ms, 8000),
    ok: (outcome) => outcome === 'CONFIRMED',
    unit: 'orders/s',
  });
}

/**
 * Where one order's time went: the saga's log (GET /v1/admin/sagas/{id}:
 * transitions, commands sent, replies applied) as milliseconds since the
 * saga started. Null when the saga has no log to show.
 */
export async function sagaTimeline(system, orderId) {
  if (!orderId) return null;
  const saga = await admin(system, 'GET', `/v1/admin/sagas/${orderId}`);
  if (!Array.isArray(saga?.log) || saga.log.length === 0) return null;
  const start = Date.parse(saga.log[0].at);
  return saga.log.map((e) => ({ at_ms: Date.parse(e.at) - start, kind: e.kind, type: e.type }));
}

export async function orderSaga(system, options) {
  const customers = await fundedCustomers(system, options.concurrency + 1);
  await admin(system, 'POST', `/v1/inventory/${SKU}/restock`, {
    quantity: 1_000_000,
    region: REGION,
  });
  const [lone, ...load] = customers;
  // One client, one order after another: the latency of an order alone.
  const alone = await measureOrders(system, 'order-lone', [lone], options);
  const timeline = await sagaTimeline(system, lone.lastOrderId);
  if (timeline) {
    const steps = timeline.map((e) => `${e.at_ms} ${e.kind} ${e.type}`).join(' → ');
    console.log(`  order-lone, the last order's saga (ms since it started): ${steps}`);
  }
  return [{ ...alone, timeline }, await measureOrders(system, 'order-load', load, options)];
}
