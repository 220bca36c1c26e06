import type { Product } from '@common/contracts/catalog';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import {
  bumpRowUnseen,
  catalog,
  eventually,
  insertRow,
  readerWith,
  sleep,
  testEnv,
} from '../test/support';
import { cacheConfig } from './cache/config';
import { CacheApiLevel, KvLevel } from './cache/levels';
import type { CacheRecord } from './cache/record';
import { isolateState, productKey } from './reader';

const config = cacheConfig(testEnv);
const ttl_ms = config.policy.ttl_ms;
const memory = () => isolateState(config).memory;
const cacheApi = new CacheApiLevel(caches.default, 60);
const kv = new KvLevel(testEnv.PRODUCT_CACHE, 60);
const versionIn = (record: CacheRecord<Product> | undefined) => record?.value?.version;

async function read(id: string) {
  const result = await catalog.getProduct(id);
  if (!result.ok) throw new Error(`read ${id}: ${result.problem.detail}`);
  return result.value;
}

/** Waits for the fills a miss starts after answering (ctx.waitUntil). */
async function filled(id: string) {
  await eventually(() => kv.get(productKey(id)), Boolean);
  await eventually(() => cacheApi.get(productKey(id)), Boolean);
}

describe('read path levels', () => {
  it('a miss loads from D1 once, then memory, the Cache API and KV each answer in turn', async () => {
    const { id } = await insertRow();
    const key = productKey(id);
    const before = await catalog.cacheStats();
    expect((await read(id)).cache).toBe('miss');
    expect((await catalog.cacheStats()).d1Reads - before.d1Reads).toBe(1);
    expect((await read(id)).cache).toBe('hit-memory');
    await filled(id);

    memory().delete(key);
    expect((await read(id)).cache).toBe('hit-cache-api');

    memory().delete(key);
    await cacheApi.delete(key);
    expect((await read(id)).cache).toBe('hit-kv');
    // A KV hit is copied up into this data centre's Cache API.
    expect(await eventually(() => cacheApi.get(key), Boolean)).toBeTruthy();

    memory().delete(key);
    await cacheApi.delete(key);
    await kv.delete(key);
    expect((await read(id)).cache).toBe('miss');
    expect((await catalog.cacheStats()).d1Reads - before.d1Reads).toBe(2);
  });

  it('memory answers without I/O only for its TTL, then sees what the shared levels hold', async () => {
    const { id } = await insertRow();
    await read(id);
    await filled(id);
    // The row changes and an invalidation reaches the shared levels, not this isolate's memory.
    await bumpRowUnseen(id, 'renamed');
    await cacheApi.delete(productKey(id));
    await kv.delete(productKey(id));
    const remembered = await read(id);
    expect(remembered).toMatchObject({ cache: 'hit-memory', product: { version: 1 } });
    await sleep(config.memory_ttl_ms + 20);
    expect(await read(id)).toMatchObject({
      cache: 'miss',
      product: { version: 2, name: 'renamed' },
    });
  });

  it('an unknown id is remembered as absent in memory and the Cache API, never in KV', async () => {
    const id = newId('prd');
    const before = await catalog.cacheStats();
    expect((await catalog.getProduct(id)).ok).toBe(false);
    expect((await catalog.getProduct(id)).ok).toBe(false);
    expect((await catalog.cacheStats()).d1Reads - before.d1Reads).toBe(1);
    await eventually(() => cacheApi.get(productKey(id)), Boolean);
    expect(await kv.get(productKey(id))).toBeUndefined();
  });
});

describe('stampede protection', () => {
  it('100 concurrent misses for one key cause one D1 read', async () => {
    const { id } = await insertRow();
    const before = await catalog.cacheStats();
    const results = await Promise.all(Array.from({ length: 100 }, () => read(id)));
    const after = await catalog.cacheStats();
    expect(after.d1Reads - before.d1Reads).toBe(1);
    expect(results.every((r) => r.product.id === id && r.product.version === 1)).toBe(true);
    expect(after.coalesced - before.coalesced).toBeGreaterThan(0);
  });

  it('50 concurrent misses for one list page cause one D1 read', async () => {
    const category = `stampede-${newId('op').slice(-6).toLowerCase()}`;
    for (let i = 0; i < 3; i++) await insertRow({ category });
    const before = await catalog.cacheStats();
    const pages = await Promise.all(
      Array.from({ length: 50 }, () => catalog.listProducts({ limit: 10, category })),
    );
    expect((await catalog.cacheStats()).d1Reads - before.d1Reads).toBe(1);
    for (const page of pages) expect(page.ok && page.value.page.items.length).toBe(3);
  });

  it('past the soft TTL, reads are answered at once while one background refresh reloads', async () => {
    const { id } = await insertRow();
    await read(id);
    await filled(id);
    await bumpRowUnseen(id, 'refreshed');
    // Past every record's refresh time (soft TTL minus jitter), before the hard TTL.
    await sleep(config.policy.soft_ttl_ms + 50);
    const before = await catalog.cacheStats();
    const served = await Promise.all(Array.from({ length: 20 }, () => read(id)));
    for (const r of served)
      expect(r).toMatchObject({ revalidating: true, product: { version: 1 } });
    const refreshed = await eventually(
      () => read(id),
      (r) => r.product.version === 2,
      3000,
    );
    // The refresh filled the levels: no reader waited on D1.
    expect(refreshed.cache).toBe('hit-memory');
    const after = await catalog.cacheStats();
    expect(after.d1Reads - before.d1Reads).toBe(1);
    expect(after.refreshes - before.refreshes).toBe(1);
  });
});

describe('the staleness bound: no read returns data read from D1 more than PRODUCT_CACHE_TTL_S ago', () => {
  it('holds for every read while a change goes uninvalidated, and the change shows by the bound', async () => {
    const { id } = await insertRow();
    await read(id);
    await bumpRowUnseen(id, 'changed');
    const committedAt = Date.now();
    const seen: Array<{ startedAt: number; version: number; ageMs: number }> = [];
    while (Date.now() < committedAt + ttl_ms + 800) {
      const startedAt = Date.now();
      const r = await read(id);
      seen.push({ startedAt, version: r.product.version, ageMs: r.ageMs });
      await sleep(40);
    }
    for (const s of seen) {
      expect(s.ageMs).toBeLessThanOrEqual(ttl_ms);
      if (s.startedAt >= committedAt + ttl_ms) expect(s.version).toBe(2);
    }
    // The old version was really served for a while after the change.
    expect(seen.some((s) => s.version === 1 && s.startedAt > committedAt)).toBe(true);
  });

  it('the first read after the bound sees the change although every level still holds the old entry', async () => {
    const { id } = await insertRow();
    const key = productKey(id);
    await read(id);
    await filled(id);
    await bumpRowUnseen(id, 'changed');
    const committedAt = Date.now();
    await sleep(committedAt + ttl_ms + 20 - Date.now());
    expect(versionIn(await kv.get<Product>(key))).toBe(1);
    expect(versionIn(await cacheApi.get<Product>(key))).toBe(1);
    expect(versionIn(memory().get(key)?.record as CacheRecord<Product>)).toBe(1);
    expect(await read(id)).toMatchObject({ cache: 'miss', product: { version: 2 } });
  });
});

describe('a failing D1', () => {
  // A database without the catalog's tables fails every query, as an unreachable D1 does.
  const failing = () => readerWith(testEnv.IDENTITY_DB);

  it('with a warm cache past the bound still answers, flagged stale', async () => {
    const { id } = await insertRow();
    const warm = readerWith();
    await warm.reader.product(id);
    await warm.settled();
    await sleep(ttl_ms + 50);
    const { reader } = failing();
    const served = await reader.product(id);
    expect(served).toMatchObject({ cache: 'stale', freshForMs: 0, value: { id, version: 1 } });
    expect(served.ageMs).toBeGreaterThanOrEqual(ttl_ms);
  });

  it('within the soft window, a failed background refresh leaves the entry serving', async () => {
    const { id } = await insertRow();
    const warm = readerWith();
    await warm.reader.product(id);
    await warm.settled();
    await sleep(config.policy.soft_ttl_ms + 50);
    const { reader, settled } = failing();
    const before = await catalog.cacheStats();
    expect(await reader.product(id)).toMatchObject({ revalidating: true, value: { id } });
    await settled();
    expect((await catalog.cacheStats()).d1Errors - before.d1Errors).toBe(1);
    expect((await reader.product(id)).value?.id).toBe(id);
  });

  it('with nothing cached the read fails (the gateway answers 503)', async () => {
    await expect(failing().reader.product(newId('prd'))).rejects.toThrow(/no such table/);
  });
});
