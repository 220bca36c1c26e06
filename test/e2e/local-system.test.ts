import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/eventually';

const base = inject('baseUrl');
const adminKey = inject('adminApiKey');

async function json<T>(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}

interface Product {
  id: string;
  sku: string;
  availability: Record<string, number>;
}

describe('the local system, over HTTP', () => {
  it('is healthy and every service is ready', async () => {
    expect((await json('/health')).body).toMatchObject({ status: 'ok' });
    const ready = await json<{ status: string }>('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
  });

  it('serves the seeded products with stock in every region', async () => {
    const list = await json<{ items: Product[] }>('/v1/products?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(8);
    const tee = list.body.items.find((p) => p.sku === 'MRD-TEE-001');
    expect(tee).toBeDefined();
    for (const region of ['us', 'eu', 'apac']) {
      const stock = await json<{ available: number }>(`/v1/inventory/MRD-TEE-001?region=${region}`);
      expect(stock.body.available).toBe(100);
    }
  });

  it('a restock flows leader → outbox → queue → catalog read model and invalidates the cached product', async () => {
    const list = await json<{ items: Product[] }>('/v1/products?limit=100');
    const mug = list.body.items.find((p) => p.sku === 'MRD-MUG-003');
    if (!mug) throw new Error('seeded mug missing');
    // Warm the cache, then change stock in apac.
    await json(`/v1/products/${mug.id}`);
    const before = await json<Product>(`/v1/products/${mug.id}`);
    expect(before.headers.get('x-cache')).toMatch(/^hit/);
    const restock = await json<{ available: number }>(`/v1/inventory/MRD-MUG-003/restock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      body: JSON.stringify({ quantity: 5, region: 'apac' }),
    });
    expect(restock.status).toBe(200);
    const expected = (before.body.availability.apac ?? 0) + 5;
    expect(restock.body.available).toBe(expected);
    const after = await eventually(
      () => json<Product>(`/v1/products/${mug.id}`),
      (r) => r.body.availability.apac === expected,
    );
    expect(after.body.availability.apac).toBe(expected);
  });

  it('bad input is a problem+json 4xx with the request id', async () => {
    const res = await json<{ status: number; requestId: string }>(
      '/v1/inventory/MRD-TEE-001/restock',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
        body: '{"quantity":0}',
      },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  });
});

describe('an order on the local system, as the README walks through it', () => {
  it('register, deposit, order, and watch it confirm; stock and balance follow', async () => {
    const email = `e2e.${Date.now()}.${Math.random().toString(36).slice(2)}@example.test`;
    const registered = await json<{ accessToken: string; region: string }>('/v1/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery staple', region: 'eu' }),
    });
    expect(registered.status).toBe(201);
    expect(registered.body.region).toBe('eu');
    const auth = {
      authorization: `Bearer ${registered.body.accessToken}`,
      'content-type': 'application/json',
    };
    const deposit = await json('/v1/accounts/me/deposits', {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': `dep-${email}` },
      body: JSON.stringify({ amount: 10_000 }),
    });
    expect(deposit.status).toBe(201);
    const before = await json<{ available: number; sold: number }>(
      '/v1/inventory/MRD-CAP-006?region=eu',
    );
    const placed = await json<{ orderId: string; status: string }>('/v1/orders', {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': `order-${email}` },
      body: JSON.stringify({ items: [{ sku: 'MRD-CAP-006', quantity: 2 }] }),
    });
    expect(placed.status).toBe(202);
    expect(placed.headers.get('location')).toBe(`/v1/orders/${placed.body.orderId}`);
    const order = await eventually(
      () =>
        json<{ status: string }>(`/v1/orders/${placed.body.orderId}?waitMs=10000`, {
          headers: auth,
        }),
      (r) => ['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(r.body.status),
      40_000,
    );
    expect(order.body.status).toBe('CONFIRMED');
    const after = await json<{ available: number; sold: number }>(
      '/v1/inventory/MRD-CAP-006?region=eu',
    );
    expect(after.body).toMatchObject({
      available: before.body.available - 2,
      sold: before.body.sold + 2,
    });
    const account = await json<{ balance: { amount: number } }>('/v1/accounts/me', {
      headers: auth,
    });
    expect(account.body.balance.amount).toBe(10_000 - 2 * 2200);
  });
});
