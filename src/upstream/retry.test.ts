/**
 * Retries: only for calls declared idempotent, never for a 4xx answer, and
 * never more than the request's retry budget (test vars: 5 attempts allowed,
 * but a budget of 2 retries per request).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  BASE,
  clearFaults,
  faultsInjected,
  gateway,
  get,
  metric,
  problemCode,
  putFaults,
} from '../../test/support/faults';
import { resetUpstreams } from './upstream';

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});

const retries = (upstream: string) => metric('meridian_upstream_retries_total', { upstream });

describe('retry', () => {
  it('an idempotent read is retried, and stops at the request budget', async () => {
    await putFaults([{ target: 'inventory', kind: 'error', rate: 1 }]);
    const [faultsBefore, retriesBefore] = [
      await faultsInjected('inventory', 'error'),
      await retries('inventory'),
    ];
    const res = await get('/v1/inventory/MRD-TEE-001?region=us');
    expect(res.status).toBe(503);
    expect(await problemCode(res)).toBe('upstream_unavailable');
    // 1 attempt + 2 retries: the budget (2), not attempts_max (5), stopped it.
    expect((await faultsInjected('inventory', 'error')) - faultsBefore).toBe(3);
    expect((await retries('inventory')) - retriesBefore).toBe(2);
  });

  it('a write that is not idempotent is never retried', async () => {
    await putFaults([{ target: 'inventory', kind: 'error', rate: 1 }]);
    const [faultsBefore, retriesBefore] = [
      await faultsInjected('inventory', 'error'),
      await retries('inventory'),
    ];
    const res = await gateway.fetch(`${BASE}/v1/inventory/MRD-TEE-001/restock`, {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ quantity: 1, region: 'us' }),
    });
    expect(res.status).toBe(503);
    expect((await faultsInjected('inventory', 'error')) - faultsBefore).toBe(1);
    expect((await retries('inventory')) - retriesBefore).toBe(0);
  });

  it('a transient failure is absorbed by a retry', async () => {
    // Half the attempts fail: with 2 retries most requests still succeed.
    await putFaults([{ target: 'inventory', kind: 'error', rate: 0.5 }]);
    const retriesBefore = await retries('inventory');
    let succeeded = 0;
    for (let i = 0; i < 20; i++) {
      const res = await get('/v1/inventory/MRD-TEE-001?region=us');
      if (res.status === 200) succeeded++;
      else expect(res.status).toBe(503);
      resetUpstreams(); // keep the breaker out of this test
    }
    expect(succeeded).toBeGreaterThan(10);
    expect((await retries('inventory')) - retriesBefore).toBeGreaterThan(0);
  });
});
