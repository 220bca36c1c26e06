/**
 * What an operator reads, on the system `npm run dev` serves: an order's
 * events reach the analytics windows over the real queues, and `/metrics`
 * gathers every service.
 */
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/eventually';

const base = inject('baseUrl');
const adminKey = inject('adminApiKey');
const JSON_TYPE = { 'content-type': 'application/json' };

async function call<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.includes('json');
  return { status: res.status, body: (isJson && text ? JSON.parse(text) : text) as T };
}

interface RegionWindow {
  orders: number;
  confirmed: number;
  revenue: { amount: number };
  topSkus: Array<{ sku: string; quantity: number }>;
}

describe('operations over HTTP', () => {
  it('a confirmed order shows in the five-minute analytics window of its region', async () => {
    const admin = { 'x-api-key': adminKey };
    const window = () =>
      call<{ regions: { eu?: RegionWindow } }>('/v1/admin/analytics?window=5m&region=eu', {
        headers: admin,
      });
    const before = (await window()).body.regions.eu;
    const email = `ops.${Date.now()}.${crypto.randomUUID().slice(0, 8)}@example.test`;
    const registered = await call<{ accessToken: string }>('/v1/auth/register', {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ email, password: 'correct horse battery staple', region: 'eu' }),
    });
    expect(registered.status).toBe(201);
    const auth = { ...JSON_TYPE, authorization: `Bearer ${registered.body.accessToken}` };
    const funded = await call('/v1/accounts/me/deposits', {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ amount: 100_000 }),
    });
    expect(funded.status).toBe(201);
    const placed = await call<{ orderId: string }>('/v1/orders', {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ items: [{ sku: 'MRD-TEE-001', quantity: 2 }] }),
    });
    expect(placed.status).toBe(202);
    const order = await call<{ status: string }>(`/v1/orders/${placed.body.orderId}?waitMs=10000`, {
      headers: auth,
    });
    expect(order.body.status).toBe('CONFIRMED');
    // Wait for this order's lines: an earlier test's events may still be on their way.
    const tees = (w?: RegionWindow) =>
      w?.topSkus.find((s) => s.sku === 'MRD-TEE-001')?.quantity ?? 0;
    const after = await eventually(
      window,
      (w) => tees(w.body.regions.eu) >= tees(before) + 2,
      30_000,
      250,
    );
    const eu = after.body.regions.eu;
    expect(tees(eu) - tees(before)).toBe(2);
    expect((eu?.confirmed ?? 0) - (before?.confirmed ?? 0)).toBeGreaterThanOrEqual(1);
    expect((eu?.revenue.amount ?? 0) - (before?.revenue.amount ?? 0)).toBeGreaterThan(0);
  });

  it('/metrics gathers every service', async () => {
    const res = await call<string>('/metrics', { headers: { 'x-api-key': adminKey } });
    expect(res.status).toBe(200);
    const up = [...res.body.matchAll(/^meridian_scrape_up\{service="([a-z]+)",[^}]*\} (\d)$/gm)];
    // Every service behind the gateway, each answering.
    expect(up.map((m) => m[1]).sort()).toEqual([
      'analytics',
      'carts',
      'catalog',
      'identity',
      'inventory',
      'notifications',
      'orders',
      'payments',
      'preferences',
    ]);
    expect(up.filter((m) => m[2] !== '1')).toEqual([]);
  });
});
