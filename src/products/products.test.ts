import { exports } from 'cloudflare:workers';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { adminHeaders, insertProduct, sleep } from '../../test/support/fixtures';

const gateway = exports.default;
const url = (path: string) => `http://meridian.test${path}`;
/** PRODUCT_CACHE_TTL_S in tests (vitest.config.ts testVars). */
const BOUND_S = 2;

const body = (overrides: Record<string, unknown> = {}) => ({
  sku: `HTTP-${newId('op').slice(-10)}`,
  name: 'HTTP product',
  description: 'made over HTTP',
  category: 'http',
  price: { amount: 1250, currency: 'USD' },
  ...overrides,
});

const send = (method: string, path: string, payload?: unknown, headers = adminHeaders()) =>
  gateway.fetch(url(path), {
    method,
    headers,
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });

interface ProductBody {
  id: string;
  sku: string;
  name: string;
  version: number;
  updatedAt: string;
  price: { amount: number; currency: string };
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

async function expectProblem(res: Response, status: number, path?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await res.json()) as { status: number; errors?: Array<{ path: string }> };
  expect(problem.status).toBe(status);
  if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
}

// Reads first: the admin tests' events retire list pages a moment later.
describe('cached reads over HTTP', () => {
  const maxAge = (res: Response) =>
    Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1] ?? Number.NaN);

  it('say which level answered, and Cache-Control never allows reuse past the bound', async () => {
    const { id } = await insertProduct();
    const first = await gateway.fetch(url(`/v1/products/${id}`));
    const second = await gateway.fetch(url(`/v1/products/${id}`));
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(second.headers.get('x-cache')).toBe('hit-edge');
    for (const res of [first, second]) {
      expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      expect(maxAge(res) + Number(res.headers.get('age'))).toBeLessThanOrEqual(BOUND_S);
    }
  });

  it('answer 304 to a matching If-None-Match (strong or weak), with the same validators', async () => {
    const { id } = await insertProduct();
    const first = await gateway.fetch(url(`/v1/products/${id}`));
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toBe(`"${id}.v1"`);
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const res = await gateway.fetch(url(`/v1/products/${id}`), {
        headers: { 'if-none-match': tag },
      });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      expect(res.headers.get('x-cache')).toMatch(/^hit-/);
    }
    const other = await gateway.fetch(url(`/v1/products/${id}`), {
      headers: { 'if-none-match': `"${id}.v0"` },
    });
    expect(other.status).toBe(200);
  });

  it('list pages carry the cache level and freshness too', async () => {
    const category = `lst-${newId('op').slice(-6).toLowerCase()}`;
    await insertProduct({ category });
    const first = await gateway.fetch(url(`/v1/products?category=${category}`));
    const second = await gateway.fetch(url(`/v1/products?category=${category}`));
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(second.headers.get('x-cache')).toBe('hit-edge');
    expect(maxAge(second) + Number(second.headers.get('age'))).toBeLessThanOrEqual(BOUND_S);
  });
});

describe('admin product writes over HTTP', () => {
  it('create 201 → read → patch 200 (new version) → delete 204 → 404', async () => {
    const created = await send('POST', '/v1/products', body());
    expect(created.status).toBe(201);
    const product = (await created.json()) as ProductBody;
    expect(product).toMatchObject({ version: 1, price: { amount: 1250, currency: 'USD' } });
    expect(product.id).toMatch(/^prd_/);
    expect(created.headers.get('location')).toBe(`/v1/products/${product.id}`);
    expect(created.headers.get('etag')).toBe(`"${product.id}.v1"`);

    const read = await gateway.fetch(url(`/v1/products/${product.id}`));
    expect(read.status).toBe(200);

    const patched = await send('PATCH', `/v1/products/${product.id}`, { name: 'Renamed' });
    expect(patched.status).toBe(200);
    const after = (await patched.json()) as ProductBody;
    expect(after).toMatchObject({ id: product.id, name: 'Renamed', version: 2 });
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(product.updatedAt));
    // The write's event invalidates the caches; readers converge on version 2.
    const fresh = await until(
      async () =>
        (await (await gateway.fetch(url(`/v1/products/${product.id}`))).json()) as ProductBody,
      (p) => p.version === 2,
    );
    expect(fresh.name).toBe('Renamed');

    const deleted = await send('DELETE', `/v1/products/${product.id}`);
    expect(deleted.status).toBe(204);
    const gone = await until(
      () => gateway.fetch(url(`/v1/products/${product.id}`)),
      (res) => res.status === 404,
    );
    await expectProblem(gone, 404);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['a missing name', { ...body(), name: undefined }, 'name'],
    ['an unknown field', { ...body(), colour: 'red' }, '(root)'],
    ['a fractional amount', body({ price: { amount: 12.5, currency: 'USD' } }), 'price.amount'],
    ['a negative amount', body({ price: { amount: -1, currency: 'USD' } }), 'price.amount'],
    ['a lowercase currency', body({ price: { amount: 1, currency: 'eur' } }), 'price.currency'],
    ['a sku with spaces', body({ sku: 'has spaces' }), 'sku'],
    ['an uppercase category', body({ category: 'Books' }), 'category'],
  ];
  for (const [name, payload, path] of invalid) {
    it(`a create with ${name} is 400 naming ${path}`, async () => {
      await expectProblem(await send('POST', '/v1/products', payload), 400, path);
    });
  }

  it('an empty or unknown-field patch is 400; malformed JSON is 400; text is 415', async () => {
    const { id } = await insertProduct();
    await expectProblem(await send('PATCH', `/v1/products/${id}`, {}), 400);
    await expectProblem(await send('PATCH', `/v1/products/${id}`, { version: 9 }), 400);
    const malformed = await gateway.fetch(url('/v1/products'), {
      method: 'POST',
      headers: adminHeaders(),
      body: '{"sku":',
    });
    await expectProblem(malformed, 400);
    const text = await gateway.fetch(url('/v1/products'), {
      method: 'POST',
      headers: { ...adminHeaders(), 'content-type': 'text/plain' },
      body: 'hello',
    });
    await expectProblem(text, 415);
  });

  it('writes need an operator key (401 without one or with a wrong one); reads stay public', async () => {
    const { id } = await insertProduct();
    const anonymous = { 'content-type': 'application/json' };
    const wrong = { ...anonymous, 'x-api-key': 'not-the-key' };
    await expectProblem(await send('POST', '/v1/products', body(), anonymous), 401);
    await expectProblem(await send('POST', '/v1/products', body(), wrong), 401);
    await expectProblem(await send('PATCH', `/v1/products/${id}`, { name: 'x' }, anonymous), 401);
    await expectProblem(await send('DELETE', `/v1/products/${id}`, undefined, anonymous), 401);
    expect((await gateway.fetch(url(`/v1/products/${id}`))).status).toBe(200);
  });

  it('an unknown product is 404 for patch and delete', async () => {
    await expectProblem(await send('PATCH', `/v1/products/${newId('prd')}`, { name: 'x' }), 404);
    await expectProblem(await send('DELETE', `/v1/products/${newId('prd')}`), 404);
  });

  it('a taken sku is 409 on create and on update', async () => {
    const first = body();
    expect((await send('POST', '/v1/products', first)).status).toBe(201);
    await expectProblem(await send('POST', '/v1/products', { ...body(), sku: first.sku }), 409);
    const other = (await (await send('POST', '/v1/products', body())).json()) as ProductBody;
    await expectProblem(await send('PATCH', `/v1/products/${other.id}`, { sku: first.sku }), 409);
  });
});

describe('the OpenAPI document', () => {
  it('describes every catalog route of the contract', async () => {
    const res = await gateway.fetch(url('/openapi.json'));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/products'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/products/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
  });
});
