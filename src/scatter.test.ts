import { describe, expect, it } from 'vitest';
import { scatterGather } from './scatter';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scatter-gather across regions', () => {
  it('gathers every region that answers and flags the partial result when one fails', async () => {
    const gathered = await scatterGather(async (region) => {
      if (region === 'eu') throw new Error('eu read model unavailable');
      return [`${region}-order`];
    });
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
      { timeout_ms: 200 },
    );
    expect(Date.now() - started).toBeLessThan(1500);
    expect(gathered.regions.apac.status).toBe('timeout');
    expect(gathered.results).toEqual({ us: 'us', eu: 'eu' });
    expect(gathered.partial).toBe(true);
  });

  it('is not partial when every region answers', async () => {
    const gathered = await scatterGather(async (region) => region);
    expect(gathered.partial).toBe(false);
    expect(Object.keys(gathered.results).sort()).toEqual(['apac', 'eu', 'us']);
  });
});
