// The latency of a lone order: one customer places orders one after another,
// each timed by the client from POST /v1/orders to CONFIRMED (long-poll), and
// by the saga from PENDING to CONFIRMED (its history's timestamps: the saga
// alone, without the gateway), on the whole system served by Miniflare
// directly (bench/harness.mjs: no wrangler dev proxy). Which way each reply
// came is read from the saga's log, so a run says what it measured. Compare
// `--fast-path on` with `--fast-path off`.
//
//   node scripts/order-latency.mjs [--orders 20] [--warmup 3] [--fast-path on|off]
//                                  [--region us] [--port 8940]   (uses port .. port+2)
import {
  admin,
  closeClient,
  customerHeaders,
  deposit,
  expectJson,
  percentile,
  registerCustomer,
  request,
  startSystem,
} from '../bench/harness.mjs';

const SKU = 'MRD-MUG-003';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const orders = Math.min(Math.max(Number(option('orders', 20)) || 20, 1), 500);
const warmup = Math.min(Math.max(Number(option('warmup', 3)) || 0, 0), 50);
const fastPath = option('fast-path', 'on') === 'off' ? 'off' : 'on';
const region = option('region', 'us');
const port = Number(option('port', 8940));

/** One order, placed and awaited: its id, ms from POST to CONFIRMED, and the saga's own PENDING → CONFIRMED. */
async function lone(system, customer) {
  const started = performance.now();
  const placed = await expectJson(system.gateway, '/v1/orders', 202, {
    method: 'POST',
    headers: customerHeaders(customer, { idempotent: true }),
    body: { items: [{ sku: SKU, quantity: 1 }] },
  });
  const res = await request(system.gateway, `/v1/orders/${placed.orderId}?waitMs=10000`, {
    headers: customerHeaders(customer),
  });
  const ms = performance.now() - started;
  const { status, history } = JSON.parse(res.text);
  if (status !== 'CONFIRMED') throw new Error(`order ${placed.orderId} ended ${status}`);
  const at = (s) => Date.parse(history.find((h) => h.status === s)?.at ?? '');
  return { orderId: placed.orderId, ms, saga_ms: at('CONFIRMED') - at('PENDING') };
}

/** How the replies of these orders came, counted from their sagas' logs. */
async function pathsOf(system, orderIds) {
  const counts = {};
  for (const id of orderIds) {
    const saga = await admin(system, 'GET', `/v1/admin/sagas/${id}`);
    for (const entry of saga.log.filter((l) => l.kind === 'reply'))
      counts[entry.via] = (counts[entry.via] ?? 0) + 1;
  }
  return counts;
}

const system = await startSystem({ port, vars: { orders: { SAGA_FAST_PATH: fastPath } } });
try {
  const customer = await registerCustomer(system, { region });
  await deposit(system, customer, 100_000_000);
  await admin(system, 'POST', `/v1/inventory/${SKU}/restock`, {
    quantity: orders + warmup,
    region,
  });
  for (let i = 0; i < warmup; i++) await lone(system, customer);
  const measured = [];
  for (let i = 0; i < orders; i++) measured.push(await lone(system, customer));
  const sorted = measured.map((o) => o.ms).sort((a, b) => a - b);
  const saga = measured.map((o) => o.saga_ms).sort((a, b) => a - b);
  const report = {
    fastPath,
    region,
    orders,
    p50_ms: Number(percentile(sorted, 50).toFixed(1)),
    p90_ms: Number(percentile(sorted, 90).toFixed(1)),
    max_ms: Number((sorted.at(-1) ?? 0).toFixed(1)),
    saga_p50_ms: percentile(saga, 50),
    saga_p90_ms: percentile(saga, 90),
    replies: await pathsOf(
      system,
      measured.map((o) => o.orderId),
    ),
  };
  console.log(JSON.stringify(report));
} finally {
  closeClient();
  await system.mf.dispose();
}
