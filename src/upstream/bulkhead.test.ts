/**
 * A slow upstream times out, and its bulkhead keeps it from taking every
 * request the isolate holds: other upstreams keep answering at full speed.
 * Test vars: 1 s per-attempt timeout, 4 concurrent calls + 2 queued per upstream.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { clearFaults, get, problemCode, putFaults } from '../../test/support/faults';
import { resetUpstreams } from './upstream';

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});

describe('timeout and bulkhead', () => {
  it('a slow upstream times out with 503 instead of hanging', async () => {
    await putFaults([{ target: 'catalog', kind: 'latency', rate: 1, latencyMs: 30_000 }]);
    const started = Date.now();
    const res = await get('/v1/products?limit=1');
    expect(res.status).toBe(503);
    expect(await problemCode(res)).toBe('upstream_timeout');
    expect(res.headers.get('retry-after')).toBe('1');
    // 3 attempts of 1 s each (plus short backoffs), far below the injected 30 s.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a dropped call (no answer) ends at the deadline', async () => {
    await putFaults([{ target: 'catalog', kind: 'drop', rate: 1 }]);
    const res = await get('/v1/products?limit=1');
    expect(res.status).toBe(503);
    expect(await problemCode(res)).toBe('upstream_timeout');
  });

  it('a slow upstream fills only its own bulkhead; another upstream stays fast', async () => {
    await putFaults([{ target: 'catalog', kind: 'latency', rate: 1, latencyMs: 30_000 }]);
    const slow = Array.from({ length: 8 }, () => {
      const started = Date.now();
      return get('/v1/products?limit=1').then(async (res) => ({
        status: res.status,
        code: res.status === 503 ? await problemCode(res) : '',
        ms: Date.now() - started,
      }));
    });
    // Beyond 4 running + 2 queued, catalog calls are refused at once.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const other = await get('/v1/inventory/MRD-TEE-001?region=us');
    expect(other.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(500);

    const results = await Promise.all(slow);
    const saturated = results.filter((r) => r.code === 'upstream_saturated');
    expect(saturated.length).toBeGreaterThanOrEqual(2);
    for (const r of results) expect(r.status).toBe(503);
    // Refused at once: every refusal comes back before any call that waited
    // out its timeout (a comparison that holds on a loaded machine too).
    const timedOut = results.filter((r) => r.code === 'upstream_timeout');
    expect(timedOut.length).toBeGreaterThan(0);
    expect(Math.max(...saturated.map((r) => r.ms))).toBeLessThan(
      Math.min(...timedOut.map((r) => r.ms)),
    );
  });
});
