/**
 * The gateway's edge cache (issue 12 §4), in project gateway-edge: the
 * catalog's bound is 60 s here (PRODUCT_CACHE_TTL_S) and an edge entry
 * answers for 5 s (EDGE_CACHE_MEMO_MS), so a change seen within seconds came
 * by its write event, not by a TTL running out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, operatorKey } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { metric } from '../../test/support/faults';
import { insertProduct, testEnv } from '../../test/support/fixtures';
import { resetUpstreams } from '../upstream/upstream';

/** PRODUCT_CACHE_TTL_S of the catalog in this project. */
const BOUND_S = 60;

const catalogCalls = () => metric('meridian_upstream_calls_total', { upstream: 'catalog' });
const read = (id: string, headers: Record<string, string> = {}) =>
  call('GET', `/v1/products/${id}`, { headers });
const nameOf = async (res: Response) => ((await res.json()) as { name: string }).name;

const setEdgeFlag = async (state: unknown) => {
  const res = await call('PUT', '/v1/admin/flags/catalog.edge_cache', {
    apiKey: operatorKey(),
    body: state,
  });
  expect(res.status, await res.clone().text()).toBe(200);
};
const resetEdgeFlag = () =>
  call('DELETE', '/v1/admin/flags/catalog.edge_cache', { apiKey: operatorKey() });

/** Reads `id` once so the edge holds it; the catalog answered that read. */
async function warm(id: string): Promise<Response> {
  const first = await read(id);
  expect(first.status).toBe(200);
  expect(first.headers.get('x-cache')).not.toBe('hit-edge');
  return first;
}

beforeEach(async () => {
  resetUpstreams();
  await resetEdgeFlag();
});
afterEach(async () => {
  await resetEdgeFlag();
});

describe('hot product reads are served by the edge', () => {
  it('a hot read makes no catalog call, with the same body, ETag and freshness headers', async () => {
    const { id } = await insertProduct();
    const first = await warm(id);
    const before = await catalogCalls();
    for (let i = 0; i < 5; i++) {
      const res = await read(id);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cache')).toBe('hit-edge');
      expect(res.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(await res.json()).toEqual(await first.clone().json());
      // Reuse never allowed past the catalog's bound, from the edge either.
      const maxAge = Number(
        /^public, max-age=(\d+)$/.exec(res.headers.get('cache-control') ?? '')?.[1],
      );
      expect(maxAge + Number(res.headers.get('age'))).toBeLessThanOrEqual(BOUND_S);
    }
    const etag = first.headers.get('etag') ?? '';
    const notModified = await read(id, { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(await catalogCalls()).toBe(before);
  });

  it('a hot first page of the list makes no catalog call; a page after a cursor does', async () => {
    const category = `edge-${crypto.randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) await insertProduct({ category });
    const page = `/v1/products?limit=2&category=${category}`;
    const first = await call('GET', page);
    const { nextCursor } = (await first.json()) as { nextCursor: string };
    const before = await catalogCalls();
    const hot = await call('GET', page);
    expect(hot.headers.get('x-cache')).toBe('hit-edge');
    expect(await catalogCalls()).toBe(before);
    await call('GET', `${page}&cursor=${nextCursor}`);
    expect(await catalogCalls()).toBe(before + 1);
  });
});

describe('changes reach the edge by their event, within the bound', () => {
  it('a write elsewhere (its event) is seen in seconds; a D1 change without an event is not', async () => {
    const evented = await insertProduct();
    const silent = await insertProduct();
    await warm(evented.id);
    await warm(silent.id);
    // No event: D1 changes under every cache level; only the 60 s bound would show it.
    await testEnv.CATALOG_DB.prepare('UPDATE products SET name = ? WHERE id = ?')
      .bind('changed without an event', silent.id)
      .run();
    // With its event, as another gateway isolate's PATCH would write it.
    const started = Date.now();
    const written = await testEnv.CATALOG.updateProduct(
      evented.id,
      { name: 'changed with its event' },
      {
        requestId: 'edge-cache-test',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    );
    expect(written.ok).toBe(true);
    const seen = await eventually(
      async () => nameOf(await read(evented.id)),
      (name) => name === 'changed with its event',
      30_000,
      100,
    );
    expect(seen).toBe('changed with its event');
    const seenAfter_ms = Date.now() - started;
    expect(seenAfter_ms).toBeLessThan((BOUND_S * 1000) / 2);
    // Longer than it took the event, the silent change is still not served.
    expect(await nameOf(await read(silent.id))).not.toBe('changed without an event');
  });

  it('after a PATCH through this isolate, it keeps no older answer than the one it wrote', async () => {
    const { id } = await insertProduct();
    await warm(id);
    expect((await read(id)).headers.get('x-cache')).toBe('hit-edge');
    const patched = await call('PATCH', `/v1/products/${id}`, {
      apiKey: operatorKey(),
      body: { name: 'patched here' },
    });
    expect(patched.status).toBe(200);
    // Until the event lands the catalog may still answer the old product:
    // each such read asks it again, none is served from the edge.
    const answers: Array<{ name: string; cache: string | null }> = [];
    await eventually(
      async () => {
        const res = await read(id);
        answers.push({ name: await nameOf(res), cache: res.headers.get('x-cache') });
        return answers.at(-1)?.name;
      },
      (name) => name === 'patched here',
      30_000,
      100,
    );
    expect(answers.at(-1)?.name).toBe('patched here');
    expect(answers.filter((a) => a.name !== 'patched here' && a.cache === 'hit-edge')).toEqual([]);
    const next = await read(id);
    expect(next.headers.get('x-cache')).toBe('hit-edge');
    expect(await nameOf(next)).toBe('patched here');
  });
});

describe('flag catalog.edge_cache', () => {
  it('off, every read goes to the catalog; on again, hot reads are served by the edge', async () => {
    const { id } = await insertProduct();
    await warm(id);
    await setEdgeFlag({ enabled: false });
    const off = await catalogCalls();
    for (let i = 0; i < 3; i++)
      expect((await read(id)).headers.get('x-cache')).not.toBe('hit-edge');
    expect(await catalogCalls()).toBe(off + 3);

    await resetEdgeFlag();
    await warm(id);
    const on = await catalogCalls();
    expect((await read(id)).headers.get('x-cache')).toBe('hit-edge');
    expect(await catalogCalls()).toBe(on);
  });

  it('is judged by the serving region: off in eu, eu reads go to the catalog while us reads do not', async () => {
    const { id } = await insertProduct();
    await setEdgeFlag({ enabled: true, regions: ['us', 'apac'] });
    const us = { 'x-meridian-region': 'us' };
    const eu = { 'x-meridian-region': 'eu' };
    await read(id, us);
    const before = await catalogCalls();
    expect((await read(id, us)).headers.get('x-cache')).toBe('hit-edge');
    expect((await read(id, eu)).headers.get('x-cache')).not.toBe('hit-edge');
    expect(await catalogCalls()).toBe(before + 1);
  });
});

describe("no client's request shapes another's answer", () => {
  it("a client's conditional request, region and credentials stay its own", async () => {
    const { id } = await insertProduct();
    const first = await warm(id);
    const etag = first.headers.get('etag') ?? '';
    const a = await call('GET', `/v1/products/${id}`, {
      apiKey: operatorKey(),
      headers: {
        'if-none-match': etag,
        'x-meridian-region': 'eu',
        'x-request-id': 'client-a-0001',
      },
    });
    expect(a.status).toBe(304);
    const b = await call('GET', `/v1/products/${id}`, {
      headers: { 'x-meridian-region': 'apac', 'x-request-id': 'client-b-0001' },
    });
    expect(b.status).toBe(200);
    expect(b.headers.get('x-cache')).toBe('hit-edge');
    expect(b.headers.get('x-request-id')).toBe('client-b-0001');
    expect(await b.json()).toEqual(await first.json());
  });

  it('unknown and prototype-named ids are 404 every time and never kept', async () => {
    await warm((await insertProduct()).id);
    for (const id of ['__proto__', 'constructor', 'toString', 'prd_00000000000000000000NOPE']) {
      const before = await catalogCalls();
      for (let i = 0; i < 2; i++) {
        const res = await read(id);
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
      }
      // Both went to the catalog: a 404 is not an answer the edge keeps.
      expect(await catalogCalls()).toBe(before + 2);
    }
  });

  it('list keys spell out their parts: the category "all" is not the unfiltered list', async () => {
    await insertProduct({ category: 'all' });
    const unfiltered = await call('GET', '/v1/products?limit=100');
    const all = await call('GET', '/v1/products?limit=100&category=all');
    const again = await call('GET', '/v1/products?limit=100');
    expect(again.headers.get('x-cache')).toBe('hit-edge');
    const ids = async (res: Response) =>
      ((await res.json()) as { items: Array<{ category: string }> }).items.map((p) => p.category);
    expect(new Set(await ids(all))).toEqual(new Set(['all']));
    expect(await ids(again)).toEqual(await ids(unfiltered));
  });
});
