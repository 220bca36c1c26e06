/**
 * Issue 11: a SKU that is in no catalog entry has no stock. Stock reads and
 * restocks of it are 404 and create nothing; a hot SKU's stock read stays
 * one inventory call (the catalog's answer is remembered while it is fresh);
 * a catalog outage does not take stock reads down, but does stop restocks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, operatorKey } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, metric, putFaults } from '../../test/support/faults';
import { insertProduct, testEnv } from '../../test/support/fixtures';
import { resetUpstreams } from '../upstream/upstream';

const freshSku = () => `SKUCHK-${crypto.randomUUID().slice(0, 8)}`;

const restock = (sku: string, quantity: number) =>
  call('POST', `/v1/inventory/${sku}/restock`, {
    apiKey: operatorKey(),
    body: { quantity, region: 'us' },
  });

async function expectUnknown(res: Response): Promise<void> {
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(((await res.json()) as { type: string }).type).toMatch(/sku_not_found$/);
}

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});
afterEach(async () => {
  await clearFaults();
});

describe('stock of SKUs the catalog does not have', () => {
  it('a stock read and a restock are 404, and no stock is created for the SKU', async () => {
    const sku = freshSku();
    // The first read asks the catalog beside the stock read and waits for it a
    // moment; a catalog slower than that (a loaded machine) lets that one read
    // through, and the answer it then remembers makes the next a 404.
    const unknown = await eventually(
      () => call('GET', `/v1/inventory/${sku}?region=us`),
      (res) => res.status === 404,
      5000,
    );
    await expectUnknown(unknown);
    await expectUnknown(await restock(sku, 5));

    // Once a product has the SKU, its stock is only what is restocked from then on.
    await insertProduct({ sku });
    const restocked = await restock(sku, 3);
    expect(restocked.status).toBe(200);
    expect(await restocked.json()).toMatchObject({ sku, available: 3 });
    const read = await call('GET', `/v1/inventory/${sku}?region=us`);
    expect(await read.json()).toMatchObject({ sku, available: 3, reserved: 0, sold: 0 });
    // The refused restock produced no inventory event either: one restock, one stock event.
    const levels = await testEnv.CATALOG_DB.prepare(
      'SELECT available FROM stock_levels WHERE sku = ?',
    )
      .bind(sku)
      .all<{ available: number }>();
    expect(levels.results.every((l) => l.available === 3)).toBe(true);
  });

  it("a hot SKU's stock read is one inventory call: the catalog's answer is remembered", async () => {
    const { sku } = await insertProduct({ sku: freshSku() });
    expect((await call('GET', `/v1/inventory/${sku}?region=us`)).status).toBe(200);
    const calls = (upstream: string) =>
      metric('meridian_upstream_calls_total', { upstream, outcome: 'ok' });
    const [catalog0, inventory0] = [await calls('catalog'), await calls('inventory')];
    for (let i = 0; i < 5; i++) {
      expect((await call('GET', `/v1/inventory/${sku}?region=us`)).status).toBe(200);
    }
    expect((await calls('inventory')) - inventory0).toBe(5);
    // At most one background refresh of the remembered answer (half-way through its freshness).
    expect((await calls('catalog')) - catalog0).toBeLessThanOrEqual(1);
  });

  it('while the catalog fails, stock reads are still served; restocks are refused (503)', async () => {
    const { sku } = await insertProduct({ sku: freshSku() });
    await putFaults([{ target: 'catalog', kind: 'error', rate: 1 }]);
    const read = await call('GET', `/v1/inventory/${sku}?region=us`);
    expect(read.status).toBe(200);
    const refused = await restock(sku, 1);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
