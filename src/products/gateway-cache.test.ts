import { exports } from 'cloudflare:workers';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { adminHeaders, insertProduct, sleep } from '../../test/support/fixtures';

const gateway = exports.default;
const url = (path: string) => `http://meridian.test${path}`;

describe('products through the gateway (catalog D1 + KV cache-aside)', () => {
  it('a first read misses and loads from D1, the next is served from the cache', async () => {
    const { id } = await insertProduct();
    const first = await gateway.fetch(url(`/v1/products/${id}`));
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    const second = await gateway.fetch(url(`/v1/products/${id}`));
    expect(second.headers.get('x-cache')).toMatch(/^hit/);
    expect(await second.json()).toEqual(await first.json());
  });

  it('a cached entry expires after the TTL (2 s in tests) and is loaded again', async () => {
    const { id } = await insertProduct();
    await gateway.fetch(url(`/v1/products/${id}`));
    expect((await gateway.fetch(url(`/v1/products/${id}`))).headers.get('x-cache')).toMatch(/^hit/);
    await sleep(2100);
    expect((await gateway.fetch(url(`/v1/products/${id}`))).headers.get('x-cache')).toBe('miss');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const { id } = await insertProduct();
    const first = await gateway.fetch(url(`/v1/products/${id}`));
    const etag = first.headers.get('etag');
    expect(etag).toBe(`"${id}.v1"`);
    const again = await gateway.fetch(url(`/v1/products/${id}`), {
      headers: { 'if-none-match': etag ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('lists products with a cursor, never repeating an item', async () => {
    const category = `cat-${newId('op').slice(-6).toLowerCase()}`;
    for (let i = 0; i < 5; i++) await insertProduct({ category });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/products?limit=2&category=${category}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await gateway.fetch(url(query))).json()) as {
        items: Array<{ id: string }>;
        nextCursor: string | null;
      };
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('an unknown product is a 404 problem', async () => {
    const res = await gateway.fetch(url(`/v1/products/${newId('prd')}`));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      status: 404,
      type: expect.stringContaining('product_not_found'),
    });
  });
});

describe('inventory through the gateway (shard leader per region)', () => {
  it('restock changes the leader state and a read in that region sees it at once', async () => {
    const sku = `SLICE-${newId('op').slice(-8)}`;
    const restock = await gateway.fetch(url(`/v1/inventory/${sku}/restock`), {
      method: 'POST',
      headers: adminHeaders(),
      body: JSON.stringify({ quantity: 12, region: 'eu' }),
    });
    expect(restock.status).toBe(200);
    expect(await restock.json()).toEqual({
      sku,
      region: 'eu',
      available: 12,
      reserved: 0,
      sold: 0,
    });
    const eu = await gateway.fetch(url(`/v1/inventory/${sku}?region=eu`));
    expect(await eu.json()).toEqual({ sku, region: 'eu', available: 12, reserved: 0, sold: 0 });
    const us = await gateway.fetch(url(`/v1/inventory/${sku}?region=us`));
    expect(await us.json()).toMatchObject({ region: 'us', available: 0 });
  });

  it('a restock repeated with the same Idempotency-Key applies once', async () => {
    const sku = `SLICE-${newId('op').slice(-8)}`;
    const send = () =>
      gateway.fetch(url(`/v1/inventory/${sku}/restock`), {
        method: 'POST',
        headers: { ...adminHeaders(), 'idempotency-key': `k-${sku}` },
        body: JSON.stringify({ quantity: 5, region: 'us' }),
      });
    const first = await send();
    const second = await send();
    expect(await first.json()).toMatchObject({ available: 5 });
    expect(await second.json()).toMatchObject({ available: 5 });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  it('restock needs the admin role: anonymous is 401, a wrong key 401', async () => {
    const body = JSON.stringify({ quantity: 1 });
    const anonymous = await gateway.fetch(url('/v1/inventory/ANY/restock'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(anonymous.status).toBe(401);
    const wrongKey = await gateway.fetch(url('/v1/inventory/ANY/restock'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'nope' },
      body,
    });
    expect(wrongKey.status).toBe(401);
  });

  it('continues the caller trace: the response traceparent keeps the trace id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await gateway.fetch(url('/health'), {
      headers: {
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        'x-request-id': 'client-request-0001',
      },
    });
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(res.headers.get('x-request-id')).toBe('client-request-0001');
  });
});

describe('bad input is a 4xx problem+json, never a 5xx', () => {
  const cases: Array<[string, RequestInit & { path: string }, number]> = [
    [
      'invalid JSON',
      { path: '/v1/inventory/SKU-1/restock', method: 'POST', body: '{', headers: adminHeaders() },
      400,
    ],
    [
      'negative quantity',
      {
        path: '/v1/inventory/SKU-1/restock',
        method: 'POST',
        body: '{"quantity":-1}',
        headers: adminHeaders(),
      },
      400,
    ],
    [
      'fractional quantity',
      {
        path: '/v1/inventory/SKU-1/restock',
        method: 'POST',
        body: '{"quantity":1.5}',
        headers: adminHeaders(),
      },
      400,
    ],
    [
      'unknown field',
      {
        path: '/v1/inventory/SKU-1/restock',
        method: 'POST',
        body: '{"quantity":1,"price":1}',
        headers: adminHeaders(),
      },
      400,
    ],
    ['unknown region', { path: '/v1/inventory/SKU-1?region=mars', method: 'GET' }, 400],
    ['bad sku', { path: '/v1/inventory/%20bad%20', method: 'GET' }, 400],
    ['limit over 100', { path: '/v1/products?limit=101', method: 'GET' }, 400],
    ['forged cursor', { path: '/v1/products?cursor=bm9wZQ', method: 'GET' }, 400],
    [
      'text body',
      {
        path: '/v1/inventory/SKU-1/restock',
        method: 'POST',
        body: 'x',
        headers: { ...adminHeaders(), 'content-type': 'text/plain' },
      },
      415,
    ],
    [
      'huge body',
      {
        path: '/v1/inventory/SKU-1/restock',
        method: 'POST',
        body: JSON.stringify({ quantity: 1, pad: 'x'.repeat(70_000) }),
        headers: adminHeaders(),
      },
      413,
    ],
    ['unknown route', { path: '/v1/nope', method: 'GET' }, 404],
  ];
  for (const [name, { path, ...init }, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const res = await gateway.fetch(url(path), init);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as {
        status: number;
        requestId: string;
        type: string;
        detail: string;
      };
      expect(body.status).toBe(status);
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
      expect(body.type).toMatch(/^https:\/\/meridian\.dev\/problems\//);
    });
  }

  it('validation failures name the field', async () => {
    const res = await gateway.fetch(url('/v1/inventory/SKU-1/restock'), {
      method: 'POST',
      headers: adminHeaders(),
      body: '{"quantity":"many"}',
    });
    const body = (await res.json()) as { errors: Array<{ path: string }> };
    expect(body.errors.map((e) => e.path)).toContain('quantity');
  });
});
