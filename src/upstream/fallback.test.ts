/**
 * Fallback: while the catalog fails, a product this isolate has served
 * before is answered from its last good copy, marked `X-Cache: stale` with
 * its `Age`; a product never served still fails with 503. (Until then the
 * gateway's edge cache answers it, fresh: the fallback is for after that.)
 */
import { env } from 'cloudflare:workers';
import { newId } from '@common/ids';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually';
import { clearFaults, get, metric, problemCode, putFaults } from '../../test/support/faults';
import { resetUpstreams } from './upstream';

const db = (env as unknown as { CATALOG_DB: D1Database }).CATALOG_DB;

async function insertProduct(id: string, sku: string): Promise<void> {
  const now = Date.now();
  await db
    .prepare(
      `INSERT INTO products (id, sku, name, description, category, price_amount, currency, created_at, updated_at, version)
       VALUES (?, ?, 'Fallback Tee', 'kept when the store fails', 'apparel', 2500, 'USD', ?, ?, 1)`,
    )
    .bind(id, sku, now, now)
    .run();
}

// Valid product ids (the catalog refuses malformed ones with 404 before any lookup).
const [id1, id2] = [newId('prd'), newId('prd')];

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});

describe('stale fallback for product reads', () => {
  it('serves the last good copy, marked stale, while the catalog fails', async () => {
    await insertProduct(id1, 'FALLBACK-001');
    const fresh = await get(`/v1/products/${id1}`);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-cache')).not.toBe('stale');
    const product = await fresh.json();

    await putFaults([{ target: 'catalog', kind: 'error', rate: 1 }]);
    const fallbacksBefore = await metric('meridian_upstream_fallbacks_total', {
      upstream: 'catalog',
    });
    // The edge entry (EDGE_CACHE_MEMO_MS) answers first, with no catalog call.
    const served: Array<string | null> = [];
    const stale = await eventually(
      async () => {
        const res = await get(`/v1/products/${id1}`);
        served.push(res.headers.get('x-cache'));
        return res;
      },
      (res) => res.headers.get('x-cache') !== 'hit-edge',
      5000,
    );
    expect(served.slice(0, -1).every((level) => level === 'hit-edge')).toBe(true);
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-cache')).toBe('stale');
    expect(stale.headers.get('age')).toMatch(/^\d+$/);
    expect(await stale.json()).toEqual(product);
    expect(
      (await metric('meridian_upstream_fallbacks_total', { upstream: 'catalog' })) -
        fallbacksBefore,
    ).toBe(1);
  });

  it('a product never served has no copy: the failure stands', async () => {
    await insertProduct(id2, 'FALLBACK-002');
    await putFaults([{ target: 'catalog', kind: 'error', rate: 1 }]);
    const res = await get(`/v1/products/${id2}`);
    expect(res.status).toBe(503);
    expect(await problemCode(res)).toBe('upstream_unavailable');
  });

  it('a 404 is an answer, never replaced by a copy', async () => {
    const res = await get('/v1/products/prd_never_existed');
    expect(res.status).toBe(404);
  });
});
