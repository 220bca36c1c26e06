/**
 * Carts over HTTP, as a client sees them: each request is served by the
 * replica of its region (X-Meridian-Region), a partition leaves every replica
 * writable and heals by itself, concurrent adds sum, an add wins over a
 * remove that had not seen it, and a checkout's lines leave the cart once its
 * order is CONFIRMED.
 */
import { newId } from '@common/ids';
import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  okJson,
  operatorKey,
  postIdempotent,
  register,
  type TokenPair,
} from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, pause, problemCode, putFaults } from '../../test/support/faults';
import { insertProduct } from '../../test/support/fixtures';

interface Cart {
  items: Array<{ sku: string; quantity: number }>;
  replica: string;
  version: Record<string, number>;
}

const REGIONS = ['us', 'eu', 'apac'] as const;

async function product(stock = 0): Promise<string> {
  const sku = `CRT-${newId('op').slice(-10)}`;
  await insertProduct({ sku });
  if (stock > 0) {
    const res = await call('POST', `/v1/inventory/${sku}/restock`, {
      apiKey: operatorKey(),
      body: { quantity: stock, region: 'us' },
    });
    expect(res.status).toBe(200);
  }
  return sku;
}

const cartAt = async (customer: TokenPair, region: string): Promise<Cart> =>
  okJson<Cart>(
    await call('GET', '/v1/cart', {
      token: customer.accessToken,
      headers: { 'x-meridian-region': region },
    }),
  );

function addAt(customer: TokenPair, region: string, sku: string, quantity: number) {
  return call('POST', '/v1/cart/items', {
    token: customer.accessToken,
    headers: { 'x-meridian-region': region },
    body: { sku, quantity },
  });
}

/** Polls every region's replica until each holds `items`; returns how long that took. */
async function untilEveryRegionHolds(customer: TokenPair, items: Cart['items']): Promise<number> {
  const started = Date.now();
  const carts = await eventually(
    () => Promise.all(REGIONS.map((r) => cartAt(customer, r))),
    (all) => all.every((c) => JSON.stringify(c.items) === JSON.stringify(items)),
    10_000,
  );
  for (const c of carts) expect(c.items).toEqual(items);
  return Date.now() - started;
}

/**
 * Partitions the replicas and waits until the carts service obeys the rule
 * (it reads rules through a cache, and a cold read can take a while on a
 * loaded machine): a probe cart's write at `us` must stay unseen at `apac`.
 */
async function partition(): Promise<void> {
  await putFaults([{ target: 'replication', kind: 'drop', rate: 1 }]);
  const probe = await register({ region: 'us' });
  const sku = await product();
  for (let attempt = 1; attempt <= 10; attempt++) {
    const before = (await cartAt(probe, 'apac')).items[0]?.quantity ?? 0;
    await okJson(await addAt(probe, 'us', sku, 1));
    await pause(700);
    if (((await cartAt(probe, 'apac')).items[0]?.quantity ?? 0) === before) return;
  }
  throw new Error('the replication rule did not take effect');
}

afterEach(clearFaults);

describe('carts over HTTP', () => {
  it('a new cart is empty and names the replica serving it and its version vector', async () => {
    const customer = await register({ region: 'us' });
    const cart = await cartAt(customer, 'apac');
    expect(cart).toEqual({ items: [], replica: 'apac', version: { enam: 0, weur: 0, apac: 0 } });
    expect((await call('GET', '/v1/cart')).status).toBe(401);
  });

  it('bad input is a 4xx and changes nothing: unknown SKU, quantity ≤ 0, too large, no body', async () => {
    const customer = await register({ region: 'us' });
    const sku = await product();
    const unknown = await addAt(customer, 'us', 'NO-SUCH-SKU', 1);
    expect(unknown.status).toBe(400);
    expect(await problemCode(unknown)).toBe('sku_unknown');
    for (const quantity of [0, -2, 1001, 1.5]) {
      const res = await addAt(customer, 'us', sku, quantity);
      expect(res.status, `quantity ${quantity}`).toBe(400);
    }
    const none = await call('POST', '/v1/cart/items', { token: customer.accessToken, body: {} });
    expect(none.status).toBe(400);
    expect((await cartAt(customer, 'us')).items).toEqual([]);
  });

  it('partition and heal: every replica takes writes while partitioned, and all hold the summed cart within 5 s of the rule’s removal', async () => {
    const customer = await register({ region: 'us' });
    const sku = await product();
    await partition();
    const atUs = await okJson<Cart>(await addAt(customer, 'us', sku, 2));
    const atEu = await okJson<Cart>(await addAt(customer, 'eu', sku, 3));
    expect(atUs.items).toEqual([{ sku, quantity: 2 }]);
    expect(atEu.items).toEqual([{ sku, quantity: 3 }]);
    await pause(500);
    expect((await cartAt(customer, 'apac')).items).toEqual([]);
    await clearFaults();
    const elapsed_ms = await untilEveryRegionHolds(customer, [{ sku, quantity: 5 }]);
    expect(elapsed_ms).toBeLessThan(5000);
  });

  it('an add at one replica survives a concurrent remove at another (add wins)', async () => {
    const customer = await register({ region: 'eu' });
    const sku = await product();
    await okJson(await addAt(customer, 'eu', sku, 1));
    await untilEveryRegionHolds(customer, [{ sku, quantity: 1 }]);
    await partition();
    const removed = await call('DELETE', `/v1/cart/items/${sku}`, {
      token: customer.accessToken,
      headers: { 'x-meridian-region': 'eu' },
    });
    expect((await okJson<Cart>(removed)).items).toEqual([]);
    const added = await okJson<Cart>(await addAt(customer, 'apac', sku, 4));
    expect(added.replica).toBe('eeur');
    expect(added.items).toEqual([{ sku, quantity: 5 }]);
    await clearFaults();
    await untilEveryRegionHolds(customer, [{ sku, quantity: 4 }]);
  });

  it('checkout: 202 as POST /v1/orders, idempotent; once CONFIRMED its lines leave every replica and a line added meanwhile stays', async () => {
    const customer = await register({ region: 'us' });
    const deposit = await postIdempotent('/v1/accounts/me/deposits', customer.accessToken, {
      amount: 100_000,
    });
    expect(deposit.status).toBe(201);
    const [tee, mug] = [await product(10), await product(10)];
    await okJson(await addAt(customer, 'us', tee, 2));
    await untilEveryRegionHolds(customer, [{ sku: tee, quantity: 2 }]);
    const key = newId('op');
    const checkout = () =>
      call('POST', '/v1/cart/checkout', {
        token: customer.accessToken,
        headers: { 'idempotency-key': key, 'x-meridian-region': 'eu' },
      });
    const first = await checkout();
    expect(first.status, await first.clone().text()).toBe(202);
    const accepted = (await first.json()) as { orderId: string; status: string };
    expect(first.headers.get('location')).toBe(`/v1/orders/${accepted.orderId}`);
    const replay = await checkout();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as { orderId: string }).orderId).toBe(accepted.orderId);
    await okJson(await addAt(customer, 'apac', mug, 1));
    const order = await okJson<{ status: string; items: Array<{ sku: string; quantity: number }> }>(
      await call('GET', `/v1/orders/${accepted.orderId}?waitMs=10000`, {
        token: customer.accessToken,
      }),
    );
    expect(order.status).toBe('CONFIRMED');
    expect(order.items.map(({ sku, quantity }) => ({ sku, quantity }))).toEqual([
      { sku: tee, quantity: 2 },
    ]);
    await untilEveryRegionHolds(customer, [{ sku: mug, quantity: 1 }]);
  });

  it('the ordering kill switch pauses checkout (503 ordering_paused) and nothing else: the cart still takes writes', async () => {
    const customer = await register({ region: 'us' });
    const sku = await product();
    await okJson(await addAt(customer, 'us', sku, 1));
    const flag = '/v1/admin/flags/orders.accepting';
    expect(
      (await call('PUT', flag, { apiKey: operatorKey(), body: { enabled: false } })).status,
    ).toBe(200);
    try {
      const res = await postIdempotent('/v1/cart/checkout', customer.accessToken, undefined);
      expect(res.status).toBe(503);
      expect(await problemCode(res)).toBe('ordering_paused');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const added = await okJson<Cart>(await addAt(customer, 'us', sku, 1));
      expect(added.items).toEqual([{ sku, quantity: 2 }]);
    } finally {
      await call('DELETE', flag, { apiKey: operatorKey() });
    }
  });

  it('checking out an empty cart is a 409', async () => {
    const customer = await register({ region: 'apac' });
    const res = await postIdempotent('/v1/cart/checkout', customer.accessToken, undefined);
    expect(res.status).toBe(409);
    expect(await problemCode(res)).toBe('cart_empty');
  });

  it('operators see every replica of a cart and whether they have converged', async () => {
    const customer = await register({ region: 'us' });
    const sku = await product();
    await okJson(await addAt(customer, 'apac', sku, 1));
    const view = await eventually(
      async () =>
        okJson<{ converged: boolean; replicas: Array<{ id: string; behind: string[] }> }>(
          await call('GET', `/v1/admin/carts/${customer.customerId}/replicas`, {
            apiKey: operatorKey(),
          }),
        ),
      (v) => v.converged && v.replicas.every((r) => r.behind.length === 0),
    );
    expect(view.replicas.map((r) => r.id)).toEqual(['enam', 'weur', 'apac']);
    const missing = await call('GET', `/v1/admin/carts/${newId('cus')}/replicas`, {
      apiKey: operatorKey(),
    });
    expect(missing.status).toBe(404);
  });
});
