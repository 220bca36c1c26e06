/**
 * `GET /v1/admin/analytics` end to end, as an operator sees it: orders
 * placed through the gateway in two regions end confirmed, cancelled
 * (declined payment) and rejected (out of stock); their saga, ledger and
 * inventory events fan out to the analytics worker over its region's queue
 * (topic subscribers `<TOPIC>_<REGION>__ANALYTICS`), and the windows show
 * them per region with revenue, top SKUs, saga latency, payments and
 * stock-outs. This project runs alone
 * (vitest.config.ts), so every count here is exact.
 */
import { MINUTE_MS, minuteOf, type RegionAnalytics } from '@common/contracts/analytics';
import { newId } from '@common/ids';
import type { Region } from '@common/regions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  call,
  deposit,
  okJson,
  operatorKey,
  postIdempotent,
  register,
} from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, putFaults } from '../../test/support/faults';
import { insertProduct } from '../../test/support/fixtures';

/** The price insertProduct gives every product. */
const PRICE = 1999;

interface Analytics {
  window: string;
  from: string;
  to: string;
  regions: Partial<Record<Region, RegionAnalytics>>;
  partial: boolean;
  regionStatus: Partial<Record<Region, { status: string }>>;
}

interface Order {
  orderId: string;
  status: string;
  history: Array<{ status: string; at: string }>;
}

async function stockedSku(quantity: number, regions: Region[]): Promise<string> {
  const sku = `AN-${newId('op').slice(-10)}`;
  await insertProduct({ sku });
  for (const region of regions) {
    const res = await call('POST', `/v1/inventory/${sku}/restock`, {
      apiKey: operatorKey(),
      body: { quantity, region },
    });
    expect(res.status).toBe(200);
  }
  return sku;
}

async function customer(region: Region, balance: number): Promise<string> {
  const { accessToken } = await register({ region });
  await deposit(accessToken, balance);
  return accessToken;
}

/** Places an order and waits for its terminal status. */
async function order(token: string, sku: string, quantity: number): Promise<Order> {
  const placed = await okJson<Order>(
    await postIdempotent('/v1/orders', token, { items: [{ sku, quantity }] }),
  );
  return okJson<Order>(await call('GET', `/v1/orders/${placed.orderId}?waitMs=10000`, { token }));
}

function analytics(query: string, token = operatorKey()): Promise<Response> {
  return call('GET', `/v1/admin/analytics${query}`, { apiKey: token });
}

/** Placement to terminal status, as the order's history tells it. */
function latencyOf(o: Order): number {
  const start = Date.parse(o.history[0]?.at ?? '');
  return Date.parse(o.history.at(-1)?.at ?? '') - start;
}

/** The value of rank ⌊q·(n − 1)⌋: the quantile the sketch estimates. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

let orders: Record<'us' | 'eu', Order[]>;
let skus: Record<'us' | 'eu', string>;
let started: number;

beforeAll(async () => {
  started = Date.now();
  skus = { us: await stockedSku(10, ['us']), eu: await stockedSku(10, ['eu']) };
  const [rich, richEu, poor, poorEu] = await Promise.all([
    customer('us', 100_000),
    customer('eu', 100_000),
    customer('us', 100),
    customer('eu', 100),
  ]);
  orders = {
    us: await Promise.all([
      order(rich, skus.us, 2),
      order(rich, skus.us, 1),
      order(rich, skus.us, 500), // out of stock: REJECTED
      order(poor, skus.us, 1), // declined: CANCELLED
    ]),
    eu: await Promise.all([order(richEu, skus.eu, 3), order(poorEu, skus.eu, 1)]),
  };
}, 120_000);

const statuses = (list: Order[]) => list.map((o) => o.status).sort();

describe('GET /v1/admin/analytics', () => {
  it('the orders ended as placed: confirmed, rejected for stock, cancelled for funds', () => {
    expect(statuses(orders.us)).toEqual(['CANCELLED', 'CONFIRMED', 'CONFIRMED', 'REJECTED']);
    expect(statuses(orders.eu)).toEqual(['CANCELLED', 'CONFIRMED']);
  });

  it('the five-minute window shows each region’s orders, revenue, top SKUs and saga latency', async () => {
    const body = await eventually(
      async () => okJson<Analytics>(await analytics('?window=5m')),
      (b) => b.regions.us?.sagaLatencyMs.count === 4 && b.regions.eu?.sagaLatencyMs.count === 2,
      30_000,
      250,
    );
    expect(body.partial).toBe(false);
    expect(body.window).toBe('5m');
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(5 * MINUTE_MS);
    const { us, eu, apac } = body.regions;
    expect(us).toMatchObject({
      orders: 4,
      confirmed: 2,
      cancelled: 1,
      rejected: 1,
      revenue: { amount: 3 * PRICE, currency: 'USD' },
      topSkus: [{ sku: skus.us, quantity: 3 }],
      failureRate: 0.5,
    });
    expect(eu).toMatchObject({
      orders: 2,
      confirmed: 1,
      cancelled: 1,
      rejected: 0,
      revenue: { amount: 3 * PRICE, currency: 'USD' },
      topSkus: [{ sku: skus.eu, quantity: 3 }],
      failureRate: 0.5,
    });
    expect(apac).toMatchObject({ orders: 0, revenue: { amount: 0 }, sagaLatencyMs: { p50: null } });
    for (const region of ['us', 'eu'] as const) {
      const latencies = orders[region].map(latencyOf);
      const seen = body.regions[region]?.sagaLatencyMs;
      for (const [q, key] of [
        [0.5, 'p50'],
        [0.99, 'p99'],
      ] as const) {
        const truth = quantile(latencies, q);
        // DDSketch: within 1 % of the true quantile (and the API rounds to 0.1 ms).
        expect(Math.abs((seen?.[key] ?? Number.NaN) - truth)).toBeLessThanOrEqual(
          truth * 0.01 + 0.05,
        );
      }
    }
  });

  it('payments captured (ledger topic) and stock-outs (inventory topic) reach their region’s window', async () => {
    const body = await eventually(
      async () => okJson<Analytics>(await analytics('?window=5m')),
      (b) => b.regions.us?.payments.captures === 2 && b.regions.us.stockouts === 1,
      30_000,
      250,
    );
    expect(body.regions.us?.payments).toMatchObject({
      captures: 2,
      captured: { amount: 3 * PRICE, currency: 'USD' },
      refunds: 0,
    });
    expect(body.regions.eu).toMatchObject({
      stockouts: 0,
      payments: { captures: 1, captured: { amount: 3 * PRICE, currency: 'USD' } },
    });
    expect(body.regions.apac).toMatchObject({ stockouts: 0, payments: { captures: 0 } });
  });

  it('the one-minute windows of the minutes the orders took add up to the same orders', async () => {
    const minutes: number[] = [];
    for (let m = minuteOf(started); m <= minuteOf(Date.now()); m += MINUTE_MS) minutes.push(m);
    const windows = await Promise.all(
      minutes.map(async (m) =>
        okJson<Analytics>(await analytics(`?window=1m&at=${new Date(m).toISOString()}`)),
      ),
    );
    for (const w of windows) expect(Date.parse(w.to) - Date.parse(w.from)).toBe(MINUTE_MS);
    const sum = (region: Region, read: (r: RegionAnalytics) => number) =>
      windows.reduce((s, w) => s + (w.regions[region] ? read(w.regions[region]) : 0), 0);
    expect(sum('us', (r) => r.orders)).toBe(4);
    expect(sum('us', (r) => r.confirmed)).toBe(2);
    expect(sum('us', (r) => r.revenue.amount)).toBe(3 * PRICE);
    expect(sum('eu', (r) => r.orders)).toBe(2);
    expect(sum('eu', (r) => r.topSkus.find((s) => s.sku === skus.eu)?.quantity ?? 0)).toBe(3);
  });

  it('the 60-minute window lists its minutes for plots and holds the same orders', async () => {
    const body = await okJson<Analytics>(await analytics('?window=60m&region=us'));
    const us = body.regions.us;
    expect(us?.minutes).toHaveLength(60);
    expect(us?.minutes.map((m) => Date.parse(m.from))).toEqual(
      [...(us?.minutes ?? [])].map((m) => Date.parse(m.from)).sort((a, b) => a - b),
    );
    expect(us).toMatchObject({ orders: 4, confirmed: 2, revenue: { amount: 3 * PRICE } });
    expect(us?.minutes.reduce((s, m) => s + m.sagaLatencyMs.count, 0)).toBe(4);
  });

  it('region= asks that region only', async () => {
    const body = await okJson<Analytics>(await analytics('?window=5m&region=eu'));
    expect(Object.keys(body.regions)).toEqual(['eu']);
    expect(Object.keys(body.regionStatus)).toEqual(['eu']);
    expect(body.regions.eu?.orders).toBe(2);
  });

  it('a region that fails is missing, named in regionStatus, and the answer is partial', async () => {
    await putFaults([{ target: 'region:eu', kind: 'error', rate: 1 }]);
    try {
      const body = await okJson<Analytics>(await analytics('?window=5m'));
      expect(body.partial).toBe(true);
      expect(body.regions.eu).toBeUndefined();
      expect(body.regionStatus.eu?.status).toBe('error');
      expect(body.regions.us?.orders).toBe(4);
    } finally {
      await clearFaults();
    }
  });

  it('bad input is a 400 problem naming the field', async () => {
    for (const query of [
      '?window=2m',
      '?region=mars',
      '?at=yesterday',
      `?at=${new Date(Date.now() - 2 * 24 * 60 * MINUTE_MS).toISOString()}`,
      '?top=500',
    ]) {
      const res = await analytics(query);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('is for admins: anonymous 401, a customer 403, an admin 200', async () => {
    expect((await call('GET', '/v1/admin/analytics')).status).toBe(401);
    const { accessToken } = await register({ region: 'us' });
    expect((await call('GET', '/v1/admin/analytics', { token: accessToken })).status).toBe(403);
    const { accessToken: adminToken } = await admin();
    expect((await call('GET', '/v1/admin/analytics', { token: adminToken })).status).toBe(200);
  });
});
