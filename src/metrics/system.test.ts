/**
 * `/metrics` for the whole system: every service answers over RPC and its
 * series carry `service` and `region`; the series move when an order is
 * placed; a slow or failing service is a `meridian_scrape_up 0`, not a hung
 * scrape; uptime is an age.
 */
import { newId } from '@common/ids';
import type { MetricSample } from '@common/rpc';
import { describe, expect, it } from 'vitest';
import {
  call,
  deposit,
  okJson,
  operatorKey,
  postIdempotent,
  randomIp,
  register,
  uniqueEmail,
} from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { ADMIN, get } from '../../test/support/faults';
import { insertDeadLetter, insertProduct } from '../../test/support/fixtures';
import {
  parsePrometheus,
  type Scrape,
  scrape,
  seriesOf,
  sumOf,
} from '../../test/support/prometheus';
import { SCRAPED_SERVICES, scrapeServices } from './scrape';

const SERVICES = ['gateway', ...SCRAPED_SERVICES];

async function placeConfirmedOrder(): Promise<void> {
  const sku = `MX-${newId('op').slice(-10)}`;
  await insertProduct({ sku });
  const restock = await call('POST', `/v1/inventory/${sku}/restock`, {
    apiKey: operatorKey(),
    body: { quantity: 5, region: 'us' },
  });
  expect(restock.status).toBe(200);
  const { accessToken } = await register({ region: 'us' });
  await deposit(accessToken, 10_000);
  const placed = await okJson<{ orderId: string }>(
    await postIdempotent('/v1/orders', accessToken, { items: [{ sku, quantity: 1 }] }),
  );
  const order = await okJson<{ status: string }>(
    await call('GET', `/v1/orders/${placed.orderId}?waitMs=10000`, { token: accessToken }),
  );
  expect(order.status).toBe('CONFIRMED');
}

describe('/metrics for the whole system', () => {
  it('every service answers, and every series is labelled with its service and region', async () => {
    const s = await scrape();
    for (const service of SERVICES.filter((x) => x !== 'gateway'))
      expect(sumOf(s, 'meridian_scrape_up', { service }), service).toBe(1);
    for (const service of SERVICES)
      expect(seriesOf(s, 'process_uptime_seconds', { service }), service).toHaveLength(1);
    for (const x of s.series) {
      expect(x.labels.service, x.name).toBeDefined();
      expect(x.labels.region, x.name).toBeDefined();
    }
    // What an operator asks, per region: sagas, dead letters, backlogs, latency.
    for (const region of ['us', 'eu', 'apac']) {
      expect(seriesOf(s, 'meridian_sagas_total', { service: 'analytics', region })).toHaveLength(4);
      expect(seriesOf(s, 'meridian_orders_by_status', { service: 'orders', region })).toHaveLength(
        7,
      );
      expect(seriesOf(s, 'meridian_dead_letters_pending', { region })).toHaveLength(1);
      expect(
        seriesOf(s, 'meridian_outbox_backlog', { object: 'InventoryShard', region }),
      ).toHaveLength(1);
      expect(seriesOf(s, 'meridian_saga_latency_seconds_count', { region })).toHaveLength(1);
    }
    expect(s.types.get('meridian_saga_latency_seconds')).toBe('histogram');
    expect(seriesOf(s, 'meridian_outbox_backlog', { object: 'CatalogDb' })).toHaveLength(1);
    // The gateway's own series are still there, now labelled too.
    expect(
      seriesOf(s, 'meridian_breaker_state', { service: 'gateway', upstream: 'orders' }),
    ).toHaveLength(3);
  });

  it('the series move when an order is placed and confirmed', async () => {
    const before = await scrape();
    await placeConfirmedOrder();
    const moved = (s: Scrape, name: string, labels: Record<string, string>) =>
      sumOf(s, name, labels) - sumOf(before, name, labels);
    const after = await eventually(
      scrape,
      (s) =>
        moved(s, 'meridian_sagas_total', { region: 'us', status: 'CONFIRMED' }) >= 1 &&
        moved(s, 'meridian_orders_by_status', { region: 'us', status: 'CONFIRMED' }) >= 1,
      20_000,
      250,
    );
    expect(
      moved(after, 'meridian_sagas_total', { region: 'us', status: 'PENDING' }),
    ).toBeGreaterThanOrEqual(1);
    // The saga's three replies (reserve, capture, confirm), each by the fast path or a queue.
    expect(
      moved(after, 'meridian_saga_replies_total', { region: 'us', via: 'fast_path' }) +
        moved(after, 'meridian_saga_replies_total', { region: 'us', via: 'queue' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      moved(after, 'meridian_sagas_total', { region: 'us', status: 'CONFIRMED' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      moved(after, 'meridian_saga_latency_seconds_count', { region: 'us' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      moved(after, 'meridian_money_minor_total', {
        region: 'us',
        kind: 'revenue',
        currency: 'USD',
      }),
    ).toBeGreaterThanOrEqual(1999);
    expect(
      moved(after, 'meridian_queue_messages_total', {
        service: 'analytics',
        queue: 'meridian-analytics-events-us',
        outcome: 'applied',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      moved(after, 'meridian_http_requests_total', { service: 'gateway', route: '/v1/orders' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('dead letters waiting are counted in their region, with how long the oldest has waited', async () => {
    const before = sumOf(await scrape(), 'meridian_dead_letters_pending', { region: 'us' });
    await insertDeadLetter();
    const s = await scrape();
    expect(sumOf(s, 'meridian_dead_letters_pending', { region: 'us' }) - before).toBe(1);
    expect(
      sumOf(s, 'meridian_dead_letters_oldest_age_seconds', { region: 'us' }),
    ).toBeGreaterThanOrEqual(0);
  });

  it('login throttling refusals are counted by route', async () => {
    const route = { service: 'gateway', route: '/v1/auth/login' };
    const before = sumOf(await scrape(), 'meridian_rate_limit_refusals_total', route);
    const email = uniqueEmail('throttled');
    const ip = randomIp();
    let refused = 0;
    // One address and one account: the pair's window (5 in 15 min) refuses the rest.
    for (let i = 0; i < 8; i++) {
      const res = await call('POST', '/v1/auth/login', {
        ip,
        body: { email, password: 'wrong password!' },
      });
      if (res.status === 429) refused++;
    }
    expect(refused).toBeGreaterThan(0);
    expect(sumOf(await scrape(), 'meridian_rate_limit_refusals_total', route) - before).toBe(
      refused,
    );
  });

  it('service= narrows the scrape; gateway alone asks no service', async () => {
    const only = async (query: string) => {
      const res = await get(`/metrics?service=${query}`, ADMIN);
      expect(res.status).toBe(200);
      return parsePrometheus(await res.text());
    };
    const gateway = await only('gateway');
    expect(new Set(gateway.series.map((x) => x.labels.service))).toEqual(new Set(['gateway']));
    expect(seriesOf(gateway, 'meridian_scrape_up')).toHaveLength(0);
    const orders = await only('orders,analytics');
    expect(new Set(orders.series.map((x) => x.labels.service))).toEqual(
      new Set(['orders', 'analytics']),
    );
    expect((await get('/metrics?service=nope', ADMIN)).status).toBe(400);
  });

  it('format=json lists the same samples, for the console', async () => {
    const res = await get('/metrics?format=json&service=gateway,analytics', ADMIN);
    expect(res.headers.get('content-type')).toContain('application/json');
    const { samples } = (await res.json()) as { samples: MetricSample[] };
    const up = samples.find((s) => s.name === 'meridian_scrape_up');
    expect(up).toMatchObject({ type: 'gauge', labels: { service: 'analytics' }, value: 1 });
    expect(samples.some((s) => s.name === 'meridian_sagas_total' && s.labels.region === 'eu')).toBe(
      true,
    );
    expect((await get('/metrics?format=xml', ADMIN)).status).toBe(400);
  });

  it('uptime is an age in seconds, not a timestamp', async () => {
    const s = await scrape();
    for (const x of seriesOf(s, 'process_uptime_seconds')) {
      expect(x.value).toBeGreaterThanOrEqual(0);
      expect(x.value).toBeLessThan(24 * 3600);
    }
  });
});

describe('scrapeServices', () => {
  const sample: MetricSample = {
    name: 'x_total',
    help: 'x',
    type: 'counter',
    labels: {},
    value: 1,
  };

  it('a slow or failing service is scrape_up 0 and never holds the scrape past its deadline', async () => {
    const started = Date.now();
    const samples = await scrapeServices(
      {
        fast: async () => [sample],
        slow: () => new Promise<MetricSample[]>(() => {}),
        broken: async () => {
          throw new Error('boom');
        },
      },
      { timeout_ms: 200, region: 'eu' },
    );
    expect(Date.now() - started).toBeLessThan(2000);
    const up = (service: string) =>
      samples.find((s) => s.name === 'meridian_scrape_up' && s.labels.service === service)?.value;
    expect([up('fast'), up('slow'), up('broken')]).toEqual([1, 0, 0]);
    expect(samples.filter((s) => s.name === 'x_total')).toEqual([
      { ...sample, labels: { service: 'fast', region: 'eu' } },
    ]);
  });

  it('a sample that names its region keeps it', async () => {
    const samples = await scrapeServices(
      { orders: async () => [{ ...sample, labels: { region: 'apac' } }] },
      { timeout_ms: 200, region: 'us' },
    );
    expect(samples.find((s) => s.name === 'x_total')?.labels).toEqual({
      service: 'orders',
      region: 'apac',
    });
  });
});
