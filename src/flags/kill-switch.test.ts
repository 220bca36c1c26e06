/**
 * `orders.accepting`, the ordering kill switch: off, `POST /v1/orders`
 * answers 503 `ordering_paused` with Retry-After, places nothing and does not
 * take the Idempotency-Key; nothing else changes; regions and percentages
 * pause only the customers they name, the same ones every time.
 */
import { flagBucket } from '@common/flags';
import { newId } from '@common/ids';
import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  deposit,
  operatorKey,
  postIdempotent,
  readAccount,
  register,
  type TokenPair,
} from '../../test/support/clients';
import { insertProduct } from '../../test/support/fixtures';

const setAccepting = async (body: unknown) => {
  const res = await call('PUT', '/v1/admin/flags/orders.accepting', {
    apiKey: operatorKey(),
    body,
  });
  expect(res.status, await res.clone().text()).toBe(200);
};

afterEach(async () => {
  const res = await call('DELETE', '/v1/admin/flags/orders.accepting', { apiKey: operatorKey() });
  expect(res.status).toBe(200);
});

async function stockedSku(): Promise<string> {
  const { sku } = await insertProduct({ sku: `KS-${newId('op').slice(-10)}` });
  for (const region of ['us', 'eu']) {
    const res = await call('POST', `/v1/inventory/${sku}/restock`, {
      apiKey: operatorKey(),
      body: { quantity: 10, region },
    });
    expect(res.status).toBe(200);
  }
  return sku;
}

const order = (customer: TokenPair, sku: string, key?: string) =>
  postIdempotent('/v1/orders', customer.accessToken, { items: [{ sku, quantity: 1 }] }, key);

async function problemCode(res: Response): Promise<string> {
  const body = (await res.json()) as { type: string };
  return body.type.split('/').at(-1) ?? '';
}

async function available(sku: string): Promise<number> {
  const res = await call('GET', `/v1/inventory/${sku}?region=us`);
  return ((await res.json()) as { available: number }).available;
}

describe('orders.accepting off', () => {
  it('POST /v1/orders answers 503 ordering_paused with Retry-After and places nothing', async () => {
    const sku = await stockedSku();
    const customer = await register({ region: 'us' });
    await deposit(customer.accessToken, 5000);
    await setAccepting({ enabled: false });

    const res = await order(customer, sku);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await problemCode(res)).toBe('ordering_paused');
    expect(await available(sku)).toBe(10);
    expect((await readAccount(customer.accessToken)).balance.amount).toBe(5000);
  });

  it('does not take the Idempotency-Key: the same key places the order once ordering resumes', async () => {
    const sku = await stockedSku();
    const customer = await register({ region: 'us' });
    const key = `key-${crypto.randomUUID()}`;
    await setAccepting({ enabled: false });
    expect((await order(customer, sku, key)).status).toBe(503);

    await call('DELETE', '/v1/admin/flags/orders.accepting', { apiKey: operatorKey() });
    const placed = await order(customer, sku, key);
    expect(placed.status).toBe(202);
    expect(placed.headers.get('idempotent-replayed')).toBeNull();
    const replay = await order(customer, sku, key);
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(await placed.json());
  });

  it('changes nothing else: catalog, stock, accounts and order reads still answer', async () => {
    const sku = await stockedSku();
    const customer = await register({ region: 'us' });
    await setAccepting({ enabled: false });
    expect((await call('GET', '/v1/products?limit=5')).status).toBe(200);
    expect((await call('GET', `/v1/inventory/${sku}?region=us`)).status).toBe(200);
    const dep = await postIdempotent('/v1/accounts/me/deposits', customer.accessToken, {
      amount: 100,
    });
    expect(dep.status).toBe(201);
    expect((await call('GET', '/v1/orders', { token: customer.accessToken })).status).toBe(200);
  });
});

describe('orders.accepting by region and percentage', () => {
  it('regions pause only customers whose home region is not listed', async () => {
    const sku = await stockedSku();
    const us = await register({ region: 'us' });
    const eu = await register({ region: 'eu' });
    await setAccepting({ enabled: true, regions: ['us'] });
    expect((await order(us, sku)).status).toBe(202);
    const refused = await order(eu, sku);
    expect(refused.status).toBe(503);
    expect(await problemCode(refused)).toBe('ordering_paused');
  });

  it('a percentage gives the same customer the same answer every time (a hash of flag and customer)', async () => {
    const sku = await stockedSku();
    await setAccepting({ enabled: true, percentage: 50 });
    for (let i = 0; i < 4; i++) {
      const customer = await register({ region: 'us' });
      const expected = flagBucket('orders.accepting', customer.customerId) < 50 ? 202 : 503;
      expect((await order(customer, sku)).status).toBe(expected);
      expect((await order(customer, sku)).status).toBe(expected);
    }
  });
});
