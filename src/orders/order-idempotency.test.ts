/**
 * POST /v1/orders is an (idem) route: the gateway's idempotent() middleware
 * requires the key and replays the first 202, so a retried placement names
 * the same order instead of starting a second saga.
 */
import { describe, expect, it } from 'vitest';
import { call, newKey, postIdempotent, register } from '../../test/support/clients';
import { insertProduct, sleep } from '../../test/support/fixtures';

interface Accepted {
  orderId: string;
  status: string;
}

const ORDERS_DEADLINE_MS = 10_000;

/** The customer's orders once the read model (eventual) lists at least one. */
async function listedOrders(token: string): Promise<string[]> {
  const deadline = Date.now() + ORDERS_DEADLINE_MS;
  for (;;) {
    const res = await call('GET', '/v1/orders', { token });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: { orderId: string }[] };
    if (items.length > 0) return items.map((o) => o.orderId);
    expect(Date.now(), 'the read model never listed the order').toBeLessThan(deadline);
    await sleep(100);
  }
}

describe('placing an order with an Idempotency-Key', () => {
  it('a retry with the same key replays the first 202: same order, same Location', async () => {
    const { accessToken: token } = await register();
    const { sku } = await insertProduct();
    const key = newKey();
    const body = { items: [{ sku, quantity: 1 }] };
    const first = await postIdempotent('/v1/orders', token, body, key);
    expect(first.status).toBe(202);
    const placed = (await first.json()) as Accepted;
    expect(first.headers.get('location')).toBe(`/v1/orders/${placed.orderId}`);
    const retry = await postIdempotent('/v1/orders', token, body, key);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(((await retry.json()) as Accepted).orderId).toBe(placed.orderId);
  });

  it('10 concurrent duplicates start one order', async () => {
    const { accessToken: token } = await register();
    const { sku } = await insertProduct();
    const key = newKey();
    const body = { items: [{ sku, quantity: 1 }] };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => postIdempotent('/v1/orders', token, body, key)),
    );
    const ids = new Set<string>();
    for (const res of results) {
      expect([202, 409]).toContain(res.status);
      if (res.status === 202) ids.add(((await res.json()) as Accepted).orderId);
      else await res.arrayBuffer();
    }
    expect(ids.size).toBe(1);
    // The read model is eventual: once it lists the order, give a second one
    // time to show up too (more than one queue batch) before counting.
    expect(await listedOrders(token)).toEqual([...ids]);
    await sleep(1_500);
    expect(await listedOrders(token)).toEqual([...ids]);
  });

  it('without a key it is a 400; the same key with other items a 422', async () => {
    const { accessToken: token } = await register();
    const { sku } = await insertProduct();
    const missing = await call('POST', '/v1/orders', {
      token,
      body: { items: [{ sku, quantity: 1 }] },
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { type: string }).type).toMatch(/idempotency_key_required$/);
    const key = newKey();
    expect(
      (await postIdempotent('/v1/orders', token, { items: [{ sku, quantity: 1 }] }, key)).status,
    ).toBe(202);
    const other = await postIdempotent('/v1/orders', token, { items: [{ sku, quantity: 2 }] }, key);
    expect(other.status).toBe(422);
  });
});
