/**
 * Issue 11: a product priced in a currency the ledgers cannot charge could
 * never be paid for, so it is refused (400) on create and on patch, and
 * nothing is written. The ledgers charge LEDGER_CURRENCY only (payments).
 */
import { describe, expect, it } from 'vitest';
import { call, operatorKey } from '../../test/support/clients';
import { insertProduct, testEnv } from '../../test/support/fixtures';

const product = (currency: string) => ({
  sku: `CUR-${crypto.randomUUID().slice(0, 8)}`,
  name: 'Priced abroad',
  category: 'test',
  price: { amount: 1000, currency },
});

async function expectNotChargeable(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  const problem = (await res.json()) as {
    type: string;
    errors: Array<{ path: string; message: string }>;
  };
  expect(problem.type).toMatch(/currency_not_chargeable$/);
  expect(problem.errors).toContainEqual({
    path: 'price.currency',
    message: 'must be a currency the ledgers charge (USD)',
  });
}

describe('product prices and the ledgers’ currency', () => {
  it('a create priced in a currency the ledgers cannot charge is a 400 and stores nothing', async () => {
    const body = product('EUR');
    await expectNotChargeable(await call('POST', '/v1/products', { apiKey: operatorKey(), body }));
    const stored = await testEnv.CATALOG_DB.prepare('SELECT id FROM products WHERE sku = ?')
      .bind(body.sku)
      .first();
    expect(stored).toBeNull();
    const usd = await call('POST', '/v1/products', { apiKey: operatorKey(), body: product('USD') });
    expect(usd.status).toBe(201);
  });

  it('a patch to such a price is a 400 and the product keeps its price and version', async () => {
    const { id } = await insertProduct();
    const res = await call('PATCH', `/v1/products/${id}`, {
      apiKey: operatorKey(),
      body: { price: { amount: 500, currency: 'JPY' } },
    });
    await expectNotChargeable(res);
    const read = (await (await call('GET', `/v1/products/${id}`)).json()) as {
      price: { currency: string };
      version: number;
    };
    expect(read).toMatchObject({ price: { currency: 'USD' }, version: 1 });
  });
});
