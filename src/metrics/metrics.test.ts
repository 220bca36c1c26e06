/**
 * `/metrics`: admin only, Prometheus text with requests by route pattern and
 * status, latency histograms, upstream outcomes, breaker state per service.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, clearFaults, get, metric, putFaults } from '../../test/support/faults';
import { resetUpstreams } from '../upstream/upstream';

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});

describe('/metrics', () => {
  it('is in the OpenAPI document, with the fault API', async () => {
    const doc = (await (await get('/openapi.json')).json()) as { paths: Record<string, object> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/metrics', '/v1/admin/faults', '/health/ready']),
    );
  });

  it('needs an operator', async () => {
    expect((await get('/metrics')).status).toBe(401);
  });

  it('is Prometheus text with a HELP and TYPE for every metric', async () => {
    const res = await get('/metrics', ADMIN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    for (const [name, type] of [
      ['meridian_http_requests_total', 'counter'],
      ['meridian_http_request_duration_seconds', 'histogram'],
      ['meridian_http_shed_total', 'counter'],
      ['meridian_upstream_calls_total', 'counter'],
      ['meridian_upstream_retries_total', 'counter'],
      ['meridian_breaker_state', 'gauge'],
      ['meridian_breaker_transitions_total', 'counter'],
      ['meridian_faults_injected_total', 'counter'],
    ]) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} ${type}`);
    }
    // Every sample line is `name{labels} number`.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? ([0-9.e+-]+|\+Inf)$/);
    }
  });

  it('counts requests by route pattern (not raw path) and status, with a latency histogram', async () => {
    const labels = { method: 'GET', route: '/v1/products/:id', status: '404' };
    const before = await metric('meridian_http_requests_total', labels);
    await get('/v1/products/prd_a_missing_one');
    await get('/v1/products/prd_another_missing');
    expect((await metric('meridian_http_requests_total', labels)) - before).toBe(2);
    expect(
      await metric('meridian_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/products/:id',
      }),
    ).toBeGreaterThanOrEqual(2);
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    const u0 = await metric('meridian_http_requests_total', unmatched);
    await get('/no/such/route');
    expect((await metric('meridian_http_requests_total', unmatched)) - u0).toBe(1);
  });

  it('shows upstream outcomes and each breaker state', async () => {
    const ok0 = await metric('meridian_upstream_calls_total', {
      upstream: 'inventory',
      outcome: 'ok',
    });
    await get('/v1/inventory/MRD-TEE-001?region=us');
    expect(
      (await metric('meridian_upstream_calls_total', { upstream: 'inventory', outcome: 'ok' })) -
        ok0,
    ).toBe(1);
    for (const upstream of ['catalog', 'inventory', 'identity', 'orders']) {
      expect(await metric('meridian_breaker_state', { upstream, state: 'closed' })).toBe(1);
      expect(await metric('meridian_breaker_state', { upstream, state: 'open' })).toBe(0);
    }
    await putFaults([{ target: 'catalog', kind: 'drop', rate: 1 }]);
    const t0 = await metric('meridian_upstream_calls_total', {
      upstream: 'catalog',
      outcome: 'timeout',
    });
    await get('/v1/products?limit=1');
    expect(
      (await metric('meridian_upstream_calls_total', { upstream: 'catalog', outcome: 'timeout' })) -
        t0,
    ).toBe(1);
    expect(
      await metric('meridian_faults_injected_total', { target: 'catalog', kind: 'drop' }),
    ).toBe(3);
  });
});
