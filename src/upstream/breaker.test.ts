/**
 * A failing upstream opens its breaker; while open the gateway answers 503 at
 * once without calling the upstream; after the open interval one probe is
 * let through and its success closes the breaker. Test vars: 5 consecutive
 * failures open it, it stays open 400 ms, 2 retries per request.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  breakerOf,
  clearFaults,
  faultsInjected,
  get,
  metric,
  pause,
  problemCode,
  putFaults,
} from '../../test/support/faults';
import { resetUpstreams } from './upstream';

const STOCK = '/v1/inventory/MRD-TEE-001?region=us';

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});

describe('circuit breaker', () => {
  it('a failing upstream opens its breaker and the gateway fails fast without calling it', async () => {
    await putFaults([{ target: 'inventory', kind: 'error', rate: 1 }]);
    const before = await faultsInjected('inventory', 'error');

    // 1st request: 3 attempts (1 + 2 retries); 2nd: 2 more failures open it.
    expect((await get(STOCK)).status).toBe(503);
    const opening = await get(STOCK);
    expect(opening.status).toBe(503);
    expect(await problemCode(opening)).toBe('upstream_circuit_open');
    const reached = (await faultsInjected('inventory', 'error')) - before;
    expect(reached).toBe(5);
    expect(await breakerOf('inventory')).toBe('open');

    // While open: every request is refused at once, none reaches the upstream.
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      const res = await get(STOCK);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await problemCode(res)).toBe('upstream_circuit_open');
      expect(Date.now() - started).toBeLessThan(100);
    }
    expect((await faultsInjected('inventory', 'error')) - before).toBe(reached);
    expect(await metric('meridian_breaker_state', { upstream: 'inventory', state: 'open' })).toBe(
      1,
    );

    // Other upstreams are unaffected.
    expect(await breakerOf('catalog')).toBe('closed');
  });

  it('an open breaker keeps refusing even once the upstream is healthy, until open_ms passes', async () => {
    await putFaults([{ target: 'inventory', kind: 'error', rate: 1 }]);
    await get(STOCK);
    await get(STOCK);
    await clearFaults();
    // A 1 ms latency rule counts every call that reaches the upstream.
    await putFaults([{ target: 'inventory', kind: 'latency', rate: 1, latencyMs: 1 }]);
    const before = await faultsInjected('inventory', 'latency');
    const res = await get(STOCK);
    expect(await problemCode(res)).toBe('upstream_circuit_open');
    expect((await faultsInjected('inventory', 'latency')) - before).toBe(0);
  });

  it('half-open: after open_ms one probe goes through and its success closes the breaker', async () => {
    const transitions = (from: string, to: string) =>
      metric('meridian_breaker_transitions_total', { upstream: 'inventory', from, to });
    const closedBefore = await transitions('half-open', 'closed');
    await putFaults([{ target: 'inventory', kind: 'error', rate: 1 }]);
    await get(STOCK);
    await get(STOCK);
    expect(await breakerOf('inventory')).toBe('open');

    await clearFaults();
    await pause(450);
    expect(await breakerOf('inventory')).toBe('half-open');
    const probe = await get(STOCK);
    expect(probe.status).toBe(200);
    expect(await breakerOf('inventory')).toBe('closed');
    expect((await get(STOCK)).status).toBe(200);
    expect((await transitions('half-open', 'closed')) - closedBefore).toBe(1);
  });

  it('a failing probe opens the breaker again', async () => {
    await putFaults([{ target: 'inventory', kind: 'error', rate: 1 }]);
    await get(STOCK);
    await get(STOCK);
    await pause(450);
    const before = await faultsInjected('inventory', 'error');
    const probe = await get(STOCK);
    expect(probe.status).toBe(503);
    // Exactly one probe reached the upstream; its failure reopened the breaker.
    expect((await faultsInjected('inventory', 'error')) - before).toBe(1);
    expect(await breakerOf('inventory')).toBe('open');
  });

  it('a 4xx answer from the service does not count against its breaker', async () => {
    // A 1 ms latency rule counts the calls that reach the catalog.
    await putFaults([{ target: 'catalog', kind: 'latency', rate: 1, latencyMs: 1 }]);
    const before = await faultsInjected('catalog', 'latency');
    for (let i = 0; i < 8; i++) {
      const res = await get('/v1/products/prd_does_not_exist');
      expect(res.status).toBe(404);
    }
    // Each 404 came from the catalog itself (one call each, never retried).
    expect((await faultsInjected('catalog', 'latency')) - before).toBe(8);
    expect(await breakerOf('catalog')).toBe('closed');
  });
});
