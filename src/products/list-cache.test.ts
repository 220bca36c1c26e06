/**
 * Issue 17, findings 3 and 6, on the catalog's list and product reads: a
 * list's cache key cannot collide with a client's value (`?category=*` once
 * cached an empty page under the key of the unfiltered list), and lookups of
 * values a client invents (categories, cursors, product ids) write nothing
 * to the global cache (KV).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { pause } from '../../test/support/faults';

const kv = (env as unknown as { PRODUCT_CACHE: KVNamespace }).PRODUCT_CACHE;

interface Page {
  items: Array<{ id: string }>;
  nextCursor: string | null;
}

async function kvKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const listed = await kv.list(cursor ? { cursor } : {});
    keys.push(...listed.keys.map((k) => k.name));
    if (listed.list_complete) break;
    cursor = listed.cursor;
  }
  return keys;
}

describe('list cache keys', () => {
  it('?category=* is a 400 and cannot replace the unfiltered list', async () => {
    const before = await call('GET', '/v1/products?limit=37');
    expect(before.status).toBe(200);
    const all = (await before.json()) as Page;
    expect(all.items.length).toBeGreaterThan(0);

    const attack = await call('GET', '/v1/products?limit=37&category=*');
    expect(attack.status).toBe(400);
    const problem = (await attack.json()) as { errors: Array<{ path: string; message: string }> };
    expect(problem.errors).toContainEqual({
      path: 'category',
      message: 'must be a category: lowercase letters, digits, "_" or "-"',
    });

    // Whoever asks next, from any level, still gets the products.
    for (let i = 0; i < 3; i++) {
      const after = (await (await call('GET', '/v1/products?limit=37')).json()) as Page;
      expect(after.items.map((p) => p.id)).toEqual(all.items.map((p) => p.id));
    }
  });

  it('a category no product has is an empty page; the unfiltered list is unaffected', async () => {
    const empty = await call('GET', '/v1/products?limit=37&category=no-such-category');
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ items: [], nextCursor: null });
    const all = (await (await call('GET', '/v1/products?limit=37')).json()) as Page;
    expect(all.items.length).toBeGreaterThan(0);
  });
});

describe('lookups of values a client invents store nothing in KV', () => {
  it('unknown categories, cursors and product ids leave no KV entry; a real first page does', async () => {
    const tag = crypto.randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase();
    const category = `probe-${tag.toLowerCase()}`;
    const id = `prd_PROBE${tag}`;
    const cursor = btoa(`prd_PROBECURSOR${tag}`).replaceAll('=', '');
    const probes = [
      `/v1/products?category=${category}`,
      `/v1/products?cursor=${cursor}`,
      `/v1/products?limit=7&cursor=${cursor}&category=apparel`,
      `/v1/products/${id}`,
    ];
    for (const path of probes) expect((await call('GET', path)).status).toBeLessThan(500);
    // The control: a first page that lists products is shared through KV.
    const limit = 50 + Math.floor(Math.random() * 40);
    expect((await call('GET', `/v1/products?limit=${limit}&category=apparel`)).status).toBe(200);
    const keys = await eventually(kvKeys, (k) =>
      k.some((key) => key.includes(`in=apparel:limit=${limit}:first`)),
    );
    expect(keys.some((key) => key.includes(`in=apparel:limit=${limit}:first`))).toBe(true);
    // Background fills of the probes had as long as the control's.
    await pause(200);
    const stored = (await kvKeys()).filter(
      (key) => key.includes(category) || key.includes(cursor) || key.includes(id),
    );
    expect(stored).toEqual([]);
  });
});
