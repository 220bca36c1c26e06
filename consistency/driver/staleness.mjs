// Staleness of the eventual reads: after an acknowledged write, a few
// pollers read concurrently until each has seen the write `FRESH_IN_A_ROW`
// times in a row. The staleness of one trial is from the write's
// acknowledgement to the invocation of the first read that followed the last
// read still showing the old value (0 when no read was stale): from then on
// every read showed the write. Resolution: one polling interval.
import { randomUUID } from 'node:crypto';
import { placeAndFollow } from './orders.mjs';
import {
  call,
  customerHeaders,
  freshProduct,
  now,
  operatorHeaders,
  registerCustomer,
  restock,
  sleep,
} from './system.mjs';

const POLLERS = 4;
const POLL_MS = 20;
const FRESH_IN_A_ROW = 3;

/** Polls `read` (→ true when it shows the write) until every poller saw it; returns the trial's staleness. */
async function watch(read, ack, give_up_ms) {
  const reads = [];
  await Promise.all(
    Array.from({ length: POLLERS }, async () => {
      let fresh = 0;
      while (fresh < FRESH_IN_A_ROW && now() - ack < give_up_ms) {
        const at = now();
        const shows = await read();
        if (shows !== null) {
          reads.push({ at, shows });
          fresh = shows ? fresh + 1 : 0;
        }
        await sleep(POLL_MS);
      }
    }),
  );
  const lastStale = Math.max(ack, ...reads.filter((r) => !r.shows).map((r) => r.at));
  const after = reads.filter((r) => r.at > lastStale && r.shows).map((r) => r.at);
  if (after.length === 0) return { converged: false, staleness_ms: Number.POSITIVE_INFINITY };
  return { converged: true, staleness_ms: lastStale === ack ? 0 : Math.min(...after) - ack };
}

/** PATCH a product's name, then GET /v1/products/{id} until every read has it. */
export async function productReads(system, { trials, bound_ms }) {
  const product = await freshProduct(system, { label: 'staleness' });
  const results = [];
  for (let i = 0; i < trials; i++) {
    // A warm cache is what can be stale: read it before the write.
    await call(system, `/v1/products/${product.id}`);
    const name = `staleness ${randomUUID().slice(0, 8)}`;
    const patched = await call(system, `/v1/products/${product.id}`, {
      method: 'PATCH',
      headers: operatorHeaders(),
      body: { name },
    });
    if (patched.status !== 200) throw new Error(`PATCH product: ${patched.status} ${patched.text}`);
    results.push(
      await watch(
        async () => {
          const res = await call(system, `/v1/products/${product.id}`);
          return res.status === 200 ? res.body.name === name : null;
        },
        patched.return,
        bound_ms * 2,
      ),
    );
  }
  return results;
}

/** Confirm an order (seen at its saga), then GET /v1/orders until the list shows it CONFIRMED. */
export async function ordersList(system, { trials, bound_ms }) {
  const product = await freshProduct(system, { label: 'staleness', price: 100 });
  await restock(system, product.sku, 1000, 'us');
  const customer = await registerCustomer(system, { region: 'us' });
  await call(system, '/v1/accounts/me/deposits', {
    method: 'POST',
    headers: customerHeaders(customer, randomUUID()),
    body: { amount: 1_000_000 },
  });
  const results = [];
  for (let i = 0; i < trials; i++) {
    const start = now();
    const followed = await placeAndFollow(system, customer, [{ sku: product.sku, quantity: 1 }], {
      until: start + 30_000,
      settle_until: start + 60_000,
    });
    if (followed.order?.status !== 'CONFIRMED')
      throw new Error(`order ${followed.orderId} did not confirm`);
    results.push(
      await watch(
        async () => {
          const res = await call(system, '/v1/orders?limit=20', {
            headers: customerHeaders(customer),
          });
          if (res.status !== 200) return null;
          return res.body.items.some(
            (o) => o.orderId === followed.orderId && o.status === 'CONFIRMED',
          );
        },
        followed.return,
        bound_ms * 2,
      ),
    );
  }
  return results;
}

/** Deposit (acknowledged with its version), then GET /v1/accounts/me/transactions until it lists that version. */
export async function transactionsList(system, { trials, bound_ms }) {
  const customer = await registerCustomer(system, { region: 'us' });
  const results = [];
  for (let i = 0; i < trials; i++) {
    const res = await call(system, '/v1/accounts/me/deposits', {
      method: 'POST',
      headers: customerHeaders(customer, randomUUID()),
      body: { amount: 100 + i },
    });
    if (res.status !== 201) throw new Error(`deposit: ${res.status} ${res.text}`);
    const { version } = res.body;
    results.push(
      await watch(
        async () => {
          const list = await call(system, '/v1/accounts/me/transactions?limit=20', {
            headers: customerHeaders(customer),
          });
          return list.status === 200 ? list.body.items.some((t) => t.seq === version) : null;
        },
        res.return,
        bound_ms * 2,
      ),
    );
    await sleep(100);
  }
  return results;
}
