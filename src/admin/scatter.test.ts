import { FaultRules, type StoredFaultRule } from '@common/resilience';
import { describe, expect, it } from 'vitest';
import { mergeRegions, REGION_TARGET, regionTarget, scatterGather } from './scatter';

/** Real fault rules, loaded from a fixed set instead of the registry. */
function rules(...set: Array<Omit<StoredFaultRule, 'createdAt' | 'expiresAt'>>): FaultRules {
  const now = Date.now();
  const stored = set.map((r) => ({ ...r, createdAt: now, expiresAt: now + 60_000 }));
  return new FaultRules(async () => ({ version: 1, rules: stored }), { cache_ms: 60_000 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scatter-gather across regions', () => {
  it('gathers every region that answers and flags the partial result when one fails', async () => {
    const gathered = await scatterGather(
      async (region) => {
        if (region === 'eu') throw new Error('eu read model unavailable');
        return [`${region}-order`];
      },
      { faults: null },
    );
    expect(gathered.partial).toBe(true);
    expect(gathered.results).toEqual({ us: ['us-order'], apac: ['apac-order'] });
    expect(gathered.regions.eu).toMatchObject({
      status: 'error',
      detail: 'eu read model unavailable',
    });
    expect(gathered.regions.us.status).toBe('ok');
  });

  it('a slow region times out on its own deadline without holding the others back', async () => {
    const started = Date.now();
    const gathered = await scatterGather(
      async (region) => {
        if (region === 'apac') await sleep(5000);
        return region;
      },
      { timeout_ms: 200, faults: null },
    );
    expect(Date.now() - started).toBeLessThan(1500);
    expect(gathered.regions.apac.status).toBe('timeout');
    expect(gathered.results).toEqual({ us: 'us', eu: 'eu' });
    expect(gathered.partial).toBe(true);
  });

  it('is not partial when every region answers', async () => {
    const gathered = await scatterGather(async (region) => region, { faults: null });
    expect(gathered.partial).toBe(false);
    expect(Object.keys(gathered.results).sort()).toEqual(['apac', 'eu', 'us']);
  });

  it('an injected error on region:eu fails only the eu leg, without asking it', async () => {
    const asked: string[] = [];
    const gathered = await scatterGather(
      async (region) => {
        asked.push(region);
        return region;
      },
      { faults: rules({ target: regionTarget('eu'), kind: 'error', rate: 1 }) },
    );
    expect(asked.sort()).toEqual(['apac', 'us']);
    expect(gathered.partial).toBe(true);
    expect(gathered.results).toEqual({ us: 'us', apac: 'apac' });
    expect(gathered.regions.eu).toMatchObject({ status: 'error' });
    expect(gathered.regions.eu.status === 'error' && gathered.regions.eu.detail).toMatch(
      /injected error fault for region:eu/,
    );
  });

  it('injected latency counts against the region’s own deadline; a drop ends at it', async () => {
    const started = Date.now();
    const gathered = await scatterGather(async (region) => region, {
      timeout_ms: 300,
      faults: rules(
        { target: 'region:eu', kind: 'latency', rate: 1, latencyMs: 5000 },
        { target: 'region:apac', kind: 'drop', rate: 1 },
      ),
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(gathered.regions.eu.status).toBe('timeout');
    expect(gathered.regions.apac.status).toBe('timeout');
    expect(gathered.results).toEqual({ us: 'us' });
  });

  it('latency within the deadline only slows the leg down', async () => {
    const gathered = await scatterGather(async (region) => region, {
      timeout_ms: 2000,
      faults: rules({ target: 'region:us', kind: 'latency', rate: 1, latencyMs: 150 }),
    });
    expect(gathered.partial).toBe(false);
    expect(gathered.regions.us.latencyMs).toBeGreaterThanOrEqual(140);
  });

  it('region targets are exactly the configured regions', () => {
    expect(REGION_TARGET.test('region:eu')).toBe(true);
    expect(REGION_TARGET.test('region:mars')).toBe(false);
    expect(REGION_TARGET.test('region:eu2')).toBe(false);
  });

  it('merges every region’s items, tagged with their region, newest first, cut to the limit', () => {
    const merged = mergeRegions(
      { us: [{ at: '3' }, { at: '1' }], eu: [{ at: '2' }] },
      (a, b) => b.at.localeCompare(a.at),
      2,
    );
    expect(merged).toEqual([
      { at: '3', region: 'us' },
      { at: '2', region: 'eu' },
    ]);
  });
});
