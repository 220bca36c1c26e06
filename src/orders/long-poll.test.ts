/**
 * Issue 17, finding 4: long-polls on GET /v1/orders/{id}?waitMs= cost no
 * slot of the orders bulkhead while they wait, ownership is checked before
 * anything waits, and one principal's concurrent long-polls are capped (the
 * next one is a 429 with Retry-After).
 */
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  deposit,
  newKey,
  okJson,
  operatorKey,
  register,
  type TokenPair,
} from '../../test/support/clients';
import { clearFaults, holdReservations } from '../../test/support/faults';
import { insertProduct } from '../../test/support/fixtures';
import { gatewayUpstreams, resetUpstreams } from '../upstream/upstream';
import { isolateLongPolls, LongPolls, longPollLimits } from './long-polls';

const CAP = longPollLimits(env as unknown as GatewayEnv).per_principal_max;

async function customer(): Promise<TokenPair> {
  const c = await register({ region: 'us' });
  await deposit(c.accessToken, 10_000);
  return c;
}

async function stockedSku(): Promise<string> {
  const { sku } = await insertProduct({ sku: `POLL-${crypto.randomUUID().slice(0, 8)}` });
  const res = await call('POST', `/v1/inventory/${sku}/restock`, {
    apiKey: operatorKey(),
    body: { quantity: 100, region: 'us' },
  });
  expect(res.status).toBe(200);
  return sku;
}

function place(c: TokenPair, sku: string): Promise<Response> {
  return call('POST', '/v1/orders', {
    token: c.accessToken,
    headers: { 'idempotency-key': newKey() },
    body: { items: [{ sku, quantity: 1 }] },
  });
}

/** An order that stays non-terminal while the rules last. */
async function pendingOrder(c: TokenPair, sku: string): Promise<string> {
  await holdReservations();
  const placed = await place(c, sku);
  expect(placed.status).toBe(202);
  return (await okJson<{ orderId: string }>(placed)).orderId;
}

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});
afterEach(async () => {
  await clearFaults();
});

describe('order long-polls', () => {
  it("one customer's 60 concurrent long-polls hold no bulkhead slot: other customers get no 503", async () => {
    const sku = await stockedSku();
    const attacker = await customer();
    const other = await customer();
    const orderId = await pendingOrder(attacker, sku);

    let waitingMax = 0;
    let inFlightMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        waitingMax = Math.max(waitingMax, isolateLongPolls(env as unknown as GatewayEnv).total);
        inFlightMax = Math.max(inFlightMax, gatewayUpstreams().status('orders').inFlight);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const polls = Array.from({ length: 60 }, () =>
      call('GET', `/v1/orders/${orderId}?waitMs=3000`, { token: attacker.accessToken }),
    );
    // While they wait, another customer places and reads orders.
    await new Promise((r) => setTimeout(r, 500));
    const placed = await place(other, sku);
    expect(placed.status).toBe(202);
    const { orderId: theirs } = await okJson<{ orderId: string }>(placed);
    const read = await call('GET', `/v1/orders/${theirs}`, { token: other.accessToken });
    expect(read.status).toBe(200);

    const answers = await Promise.all(polls);
    sampling = false;
    await sampler;
    const statuses = answers.map((r) => r.status);
    expect(
      statuses.every((s) => s === 200 || s === 429),
      statuses.join(','),
    ).toBe(true);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(60 - 2 * CAP);
    for (const res of refused) {
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { type: string }).type).toMatch(/long_polls_exceeded$/);
    }
    expect(waitingMax).toBeGreaterThanOrEqual(1);
    expect(waitingMax).toBeLessThanOrEqual(CAP);
    // A long-poll's wait is not a bulkhead slot: only the short reads took one.
    expect(inFlightMax).toBeLessThan(CAP + 10);
  }, 60_000);

  it("another customer's order is a 404 at once, before any wait", async () => {
    const sku = await stockedSku();
    const owner = await customer();
    const stranger = await register({ region: 'us' });
    const orderId = await pendingOrder(owner, sku);
    const started = Date.now();
    const res = await call('GET', `/v1/orders/${orderId}?waitMs=10000`, {
      token: stranger.accessToken,
    });
    expect(res.status).toBe(404);
    expect(Date.now() - started).toBeLessThan(5000);
    // Nothing of the stranger's waits on the order.
    expect(isolateLongPolls(env as unknown as GatewayEnv).total).toBe(0);
  });

  it('a long-poll is woken when the order becomes terminal, not at the end of waitMs', async () => {
    const sku = await stockedSku();
    const owner = await customer();
    const placed = await place(owner, sku);
    const { orderId } = await okJson<{ orderId: string }>(placed);
    const started = Date.now();
    const res = await call('GET', `/v1/orders/${orderId}?waitMs=10000`, {
      token: owner.accessToken,
    });
    const order = await okJson<{ status: string }>(res);
    expect(order.status).toBe('CONFIRMED');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(isolateLongPolls(env as unknown as GatewayEnv).total).toBe(0);
  }, 30_000);
});

describe('LongPolls', () => {
  it('caps waits per principal and per isolate, and a slot released twice frees one', () => {
    const polls = new LongPolls({ per_principal_max: 2, isolate_max: 3 });
    const a1 = polls.acquire('a');
    const a2 = polls.acquire('a');
    expect(polls.acquire('a')).toEqual({ ok: false, reason: 'principal_limit' });
    const b1 = polls.acquire('b');
    expect(polls.acquire('c')).toEqual({ ok: false, reason: 'isolate_limit' });
    if (!a1.ok || !a2.ok || !b1.ok) throw new Error('a slot was refused below the caps');
    a1.release();
    a1.release();
    expect(polls.total).toBe(2);
    expect(polls.acquire('a').ok).toBe(true);
  });
});
