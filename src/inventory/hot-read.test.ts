/**
 * Issue 12 §4: a stock read is one RPC to inventory and one Durable Object
 * read. The "is this SKU in the catalog?" check (issue 11/17: unknown SKUs
 * are 404) is answered by this isolate's memory of the catalog's verdicts,
 * so a hot SKU's read never calls the catalog. In project gateway-edge: the
 * catalog's bound is 60 s, so a background refresh (half-way) cannot fall
 * inside the test and every catalog call counted is one on the request path.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { call } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { metric } from '../../test/support/faults';
import { insertProduct } from '../../test/support/fixtures';
import { resetUpstreams } from '../upstream/upstream';

const calls = (upstream: string) => metric('meridian_upstream_calls_total', { upstream });
const stock = (sku: string) => call('GET', `/v1/inventory/${sku}?region=us`);

beforeEach(() => resetUpstreams());

describe('hot stock reads', () => {
  it('a hot SKU: one inventory call per read and no catalog call', async () => {
    const { sku } = await insertProduct({ sku: `HOT-${crypto.randomUUID().slice(0, 8)}` });
    expect((await stock(sku)).status).toBe(200);
    const [catalog0, inventory0] = [await calls('catalog'), await calls('inventory')];
    for (let i = 0; i < 5; i++) {
      const res = await stock(sku);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ sku, region: 'us' });
    }
    expect((await calls('inventory')) - inventory0).toBe(5);
    expect((await calls('catalog')) - catalog0).toBe(0);
  });

  it('an unknown SKU is still 404, and once known unknown it costs no catalog call', async () => {
    const sku = `NOPE-${crypto.randomUUID().slice(0, 8)}`;
    // The first read asks the catalog beside the stock read (a loaded machine
    // may let that one through); the verdict it remembers makes the rest 404.
    const first = await eventually(
      () => stock(sku),
      (res) => res.status === 404,
      5000,
    );
    expect(first.status).toBe(404);
    const catalog0 = await calls('catalog');
    for (let i = 0; i < 3; i++) {
      const res = await stock(sku);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { type: string }).type).toMatch(/sku_not_found$/);
    }
    expect((await calls('catalog')) - catalog0).toBe(0);
  });
});
