import { env, exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withVars } from '../../test/support/app';
import { call, operatorKey, randomIp } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, metric, pause, putFaults } from '../../test/support/faults';
import { gatewayUpstreams, resetUpstreams } from '../upstream/upstream';
import { HEALTH_CACHE_MS_MAX, resetReadiness } from './readiness';

const gateway = exports.default;

describe('health', () => {
  it('liveness answers ok with a request id and traceparent', async () => {
    const res = await gateway.fetch('http://meridian.test/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      version: { id: expect.any(String), tag: expect.any(String) },
    });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('readiness probes every service over its binding', async () => {
    const res = await gateway.fetch('http://meridian.test/health/ready');
    const body = (await res.json()) as {
      status: string;
      services: Record<string, { status: string }>;
    };
    expect(res.status).toBe(200);
    expect(Object.keys(body.services).sort()).toEqual([
      'carts',
      'catalog',
      'identity',
      'inventory',
      'notifications',
      'orders',
      'payments',
      'preferences',
    ]);
    for (const service of Object.values(body.services)) expect(service.status).toBe('ok');
  });
});

interface Ready {
  status: string;
  checkedAt: string;
  services: Record<string, { status: string; breaker: string; detail?: string }>;
}

async function ready(
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Ready }> {
  const res = await call('GET', '/health/ready', { headers });
  return { status: res.status, body: (await res.json()) as Ready };
}

describe('readiness under load and faults', () => {
  beforeEach(async () => {
    await clearFaults();
    resetUpstreams();
    resetReadiness();
  });
  afterEach(async () => {
    await clearFaults();
  });

  it('concurrent callers share one fan-out; the answer is at most HEALTH_CACHE_MS old', async () => {
    const rounds = () => metric('meridian_health_probe_rounds_total');
    const before = await rounds();
    const answers = await Promise.all(Array.from({ length: 20 }, () => ready()));
    expect((await rounds()) - before).toBe(1);
    const checked = new Set(answers.map((a) => a.body.checkedAt));
    expect(checked.size).toBe(1);
    const cache_ms = Number(env.HEALTH_CACHE_MS);
    const age = Date.now() - Date.parse(answers[0]?.body.checkedAt ?? '');
    expect(age).toBeLessThanOrEqual(cache_ms + 2000);
    // Within the window: the same round, no new fan-out.
    const again = await ready();
    if (Date.now() - Date.parse(again.body.checkedAt) < cache_ms) {
      expect((await rounds()) - before).toBe(1);
    }
    await pause(cache_ms + 50);
    const later = await ready();
    expect(later.body.checkedAt).not.toBe(answers[0]?.body.checkedAt);
    expect((await rounds()) - before).toBe(2);
  });

  it('the cache window is never longer than 2 s, whatever HEALTH_CACHE_MS says', async () => {
    const get = withVars({ HEALTH_CACHE_MS: '60000' });
    const first = (await (
      await get('/health/ready', { headers: { 'cf-connecting-ip': randomIp() } })
    ).json()) as Ready;
    await pause(HEALTH_CACHE_MS_MAX + 100);
    const second = (await (
      await get('/health/ready', { headers: { 'cf-connecting-ip': randomIp() } })
    ).json()) as Ready;
    expect(second.checkedAt).not.toBe(first.checkedAt);
  });

  it('a fault rule on a service makes it not ok (503); only operators see why', async () => {
    await putFaults([{ target: 'catalog', kind: 'error', rate: 1 }]);
    const failing = await eventually(ready, (r) => r.body.services.catalog?.status === 'down');
    expect(failing.status).toBe(503);
    expect(failing.body.status).toBe('unavailable');
    expect(failing.body.services.catalog?.detail).toBeUndefined();
    expect(failing.body.services.inventory?.status).toBe('ok');
    const operator = await ready({ 'x-api-key': operatorKey() });
    expect(operator.body.services.catalog?.detail).toMatch(/fault rule: error on 100% of calls/);

    await putFaults([{ target: 'catalog', kind: 'latency', rate: 0.5, latencyMs: 5 }]);
    const slow = await eventually(ready, (r) => r.body.services.catalog?.status === 'degraded');
    expect(slow.status).toBe(503);

    await clearFaults();
    const healthy = await eventually(ready, (r) => r.status === 200);
    expect(healthy.body.services.catalog?.status).toBe('ok');
  });

  it('a service whose breaker is open is not ok, whatever its probe says', async () => {
    for (let i = 0; i < 5; i++) {
      await gatewayUpstreams()
        .call('payments', () => Promise.reject(new Error('down')))
        .catch(() => undefined);
    }
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.services.payments?.breaker).not.toBe('closed');
    expect(body.services.payments?.status).not.toBe('ok');
    expect(body.services.identity?.status).toBe('ok');
  });

  it('is rate limited per caller: 429 with Retry-After past the bucket, other callers unaffected', async () => {
    // The test binding allows 5 per 60 s; start well inside a window.
    const left_ms = 60_000 - (Date.now() % 60_000);
    if (left_ms < 15_000) await new Promise((r) => setTimeout(r, left_ms + 50));
    const get = withVars({
      HEALTH_RATE_LIMITER: (env as unknown as { TEST_API_RATE_LIMITER: RateLimit })
        .TEST_API_RATE_LIMITER,
      RATE_LIMIT_HEALTH_CAPACITY: '5',
      RATE_LIMIT_HEALTH_PERIOD_S: '60',
    });
    const ip = randomIp();
    for (let i = 0; i < 5; i++) {
      const res = await get('/health/ready', { headers: { 'cf-connecting-ip': ip } });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
    }
    const limited = await get('/health/ready', { headers: { 'cf-connecting-ip': ip } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(
      (await get('/health/ready', { headers: { 'cf-connecting-ip': randomIp() } })).status,
    ).toBe(200);
    // Liveness stays unlimited.
    expect((await get('/health', { headers: { 'cf-connecting-ip': ip } })).status).toBe(200);
  });
});
