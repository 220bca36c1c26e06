/**
 * The saga's fast path as a client sees it: a lone order that meets no fault
 * confirms sooner than the same order sent over the queues, measured back to
 * back in the same test (the queue path forced by failing the saga's direct
 * calls with operator fault rules), so the comparison holds on a loaded
 * machine. Either way the order confirms, charged once.
 */

import { newId } from '@common/ids';
import { afterEach, describe, expect, it } from 'vitest';
import { call, okJson, operatorKey, register, type TokenPair } from '../../test/support/clients';
import { clearFaults, putFaultsEverywhere } from '../../test/support/faults';
import { stockedSku } from '../../test/support/fixtures';

const PRICE = 1999;
const ORDERS_PER_PATH = 5;

/** Places one order and waits (long-poll) until it is terminal; its id and how long that took. */
async function timedOrder(customer: TokenPair, sku: string) {
  const started = performance.now();
  const placed = await okJson<{ orderId: string }>(
    await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newId('op') },
      body: { items: [{ sku, quantity: 1 }] },
    }),
  );
  const order = await okJson<{ status: string }>(
    await call('GET', `/v1/orders/${placed.orderId}?waitMs=10000`, {
      token: customer.accessToken,
    }),
  );
  expect(order.status).toBe('CONFIRMED');
  return { orderId: placed.orderId, ms: performance.now() - started };
}

/** How each reply of an order's saga came: `fast_path` or `queue`. */
async function repliesVia(orderId: string): Promise<string[]> {
  const saga = await okJson<{ log: Array<{ kind: string; via: string | null }> }>(
    await call('GET', `/v1/admin/sagas/${orderId}`, { apiKey: operatorKey() }),
  );
  return saga.log.filter((l) => l.kind === 'reply').map((l) => l.via ?? '');
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

afterEach(async () => {
  await clearFaults();
});

describe('the fast path, as a client sees it', () => {
  it('a lone order with no fault confirms sooner than the same order over the queues', {
    timeout: 60_000,
  }, async () => {
    const sku = await stockedSku('FAST', 2 * ORDERS_PER_PATH);
    const customer = await register({ region: 'us' });
    const deposited = await call('POST', '/v1/accounts/me/deposits', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newId('op') },
      body: { amount: 2 * ORDERS_PER_PATH * PRICE },
    });
    expect(deposited.status).toBe(201);

    const fast = [];
    for (let i = 0; i < ORDERS_PER_PATH; i++) fast.push(await timedOrder(customer, sku));
    // The saga's direct calls fail (so its breakers open): every command takes its queue.
    await putFaultsEverywhere([
      { target: 'inventory', kind: 'error', rate: 1 },
      { target: 'payments', kind: 'error', rate: 1 },
    ]);
    const queued = [];
    for (let i = 0; i < ORDERS_PER_PATH; i++) queued.push(await timedOrder(customer, sku));
    await clearFaults();

    for (const o of fast) expect(await repliesVia(o.orderId)).toEqual(Array(3).fill('fast_path'));
    for (const o of queued) expect(await repliesVia(o.orderId)).toEqual(Array(3).fill('queue'));
    const fastMs = median(fast.map((o) => o.ms));
    const queueMs = median(queued.map((o) => o.ms));
    console.info(
      `lone order p50: fast path ${fastMs.toFixed(1)} ms, queue path ${queueMs.toFixed(1)} ms`,
    );
    expect(fastMs).toBeLessThan(queueMs);

    const account = await okJson<{ balance: { amount: number } }>(
      await call('GET', '/v1/accounts/me', { token: customer.accessToken }),
    );
    expect(account.balance.amount).toBe(0);
  });
});
