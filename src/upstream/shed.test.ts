/**
 * Load shedding: above SHED_IN_FLIGHT_MAX (10 in tests) requests in flight,
 * new ones get 503 + Retry-After at once, before any upstream call; health,
 * metrics and admin routes are always served.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  clearFaults,
  faultsInjected,
  get,
  metric,
  pause,
  problemCode,
  putFaults,
} from '../../test/support/faults';
import { resetUpstreams } from './upstream';

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});

describe('load shedding', () => {
  it('overload is shed with 503 + Retry-After while health, metrics and admin stay 200', async () => {
    // The gateway remembers that the SKU is in the catalog, so the stock reads
    // below call inventory only (the catalog's 4 + 2 slots are the lists').
    expect((await get('/v1/inventory/MRD-TEE-001?region=us')).status).toBe(200);
    // Slow but successful upstreams keep requests in flight.
    await putFaults([
      { target: 'catalog', kind: 'latency', rate: 1, latencyMs: 600 },
      { target: 'inventory', kind: 'latency', rate: 1, latencyMs: 600 },
    ]);
    const shedBefore = await metric('meridian_http_shed_total');
    const faultsBefore =
      (await faultsInjected('catalog', 'latency')) + (await faultsInjected('inventory', 'latency'));
    const paths = Array.from({ length: 12 }, (_, i) =>
      i % 2 ? '/v1/products?limit=1' : '/v1/inventory/MRD-TEE-001?region=us',
    );
    const inFlight = paths.map((path) => {
      const started = Date.now();
      return get(path).then(async (res) => ({
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        code: res.status === 503 ? await problemCode(res) : '',
        ms: Date.now() - started,
      }));
    });
    await pause(100);

    // During the overload, operators still see and act.
    expect((await get('/health')).status).toBe(200);
    // The gateway's own metrics: a whole-system scrape would add its services'
    // work to the overload this test measures (src/metrics/scrape.ts).
    expect((await get('/metrics?service=gateway', ADMIN)).status).toBe(200);
    expect((await get('/v1/admin/faults', ADMIN)).status).toBe(200);
    // Readiness is answered, not shed; it reports the two slowed services as degraded.
    const ready = await get('/health/ready');
    const readiness = (await ready.json()) as { services?: Record<string, { status: string }> };
    expect(readiness.services?.catalog?.status).toBe('degraded');
    expect(readiness.services?.identity?.status).toBe('ok');

    const results = await Promise.all(inFlight);
    const shed = results.filter((r) => r.code === 'overloaded');
    expect(shed).toHaveLength(2);
    for (const r of shed) {
      expect(r.status).toBe(503);
      expect(r.retryAfter).toBe('1');
      expect(r.ms).toBeLessThan(300); // refused at once, not after the upstream's 600 ms
    }
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect((await metric('meridian_http_shed_total')) - shedBefore).toBe(2);
    // Shed requests never reached an upstream: only the 10 admitted ones did.
    const faultsAfter =
      (await faultsInjected('catalog', 'latency')) + (await faultsInjected('inventory', 'latency'));
    expect(faultsAfter - faultsBefore).toBe(10);
  });

  it('once the overload passes, requests are served again', async () => {
    expect((await get('/v1/inventory/MRD-TEE-001?region=us')).status).toBe(200);
    expect(await metric('meridian_http_in_flight')).toBe(0);
  });
});
