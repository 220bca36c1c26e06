import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { catalog, insertRow, testEnv } from '../test/support';

const category = () => `page-${newId('op').slice(-8).toLowerCase()}`;

async function page(input: { limit: number; category?: string; cursor?: string }) {
  const result = await catalog.listProducts(input);
  if (!result.ok) throw new Error(result.problem.detail);
  return result.value.page;
}

describe('list pagination', () => {
  it('pages stay stable when products are inserted between pages', async () => {
    const cat = category();
    const originals: string[] = [];
    for (let i = 0; i < 5; i++) originals.push((await insertRow({ category: cat })).id);
    const first = await page({ limit: 2, category: cat });
    const seen = first.items.map((p) => p.id);
    // Inserts while the client pages: one sorting before its cursor, three after everything.
    const behind = newId('prd', Date.now() - 86_400_000);
    await insertRow({ id: behind, category: cat });
    const later: string[] = [];
    for (let i = 1; i <= 3; i++)
      later.push((await insertRow({ id: newId('prd', Date.now() + 1000 * i), category: cat })).id);
    let cursor = first.nextCursor;
    while (cursor) {
      const next = await page({ limit: 2, category: cat, cursor });
      seen.push(...next.items.map((p) => p.id));
      cursor = next.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(seen.slice(0, 5)).toEqual([...originals].sort());
    expect(seen.slice(5)).toEqual([...later].sort());
    expect(seen).not.toContain(behind);
  });

  it('filters by category and caps the page at the limit', async () => {
    const cat = category();
    for (let i = 0; i < 3; i++) await insertRow({ category: cat });
    await insertRow({ category: category() });
    const all = await page({ limit: 100, category: cat });
    expect(all.items).toHaveLength(3);
    expect(all.items.every((p) => p.category === cat)).toBe(true);
    expect(all.nextCursor).toBeNull();
    const capped = await page({ limit: 2, category: cat });
    expect(capped.items).toHaveLength(2);
    expect(capped.nextCursor).not.toBeNull();
  });

  it('availability comes from the stock read model in the same query', async () => {
    const cat = category();
    const { id, sku } = await insertRow({ category: cat });
    await testEnv.CATALOG_DB.batch(
      [
        ['us', 5],
        ['apac', 2],
      ].map(([region, available]) =>
        testEnv.CATALOG_DB.prepare(
          'INSERT INTO stock_levels (sku, region, available, reserved, version, updated_at) VALUES (?, ?, ?, 0, 1, 0)',
        ).bind(sku, region, available),
      ),
    );
    const before = await catalog.cacheStats();
    const listed = await page({ limit: 10, category: cat });
    expect(listed.items).toEqual([
      expect.objectContaining({ id, availability: { us: 5, apac: 2 } }),
    ]);
    expect((await catalog.cacheStats()).d1Reads - before.d1Reads).toBe(1);
  });

  it('refuses a limit over 100 and a cursor it did not issue', async () => {
    expect(await catalog.listProducts({ limit: 101 })).toMatchObject({
      ok: false,
      problem: { status: 400 },
    });
    expect(await catalog.listProducts({ limit: 10, cursor: btoa('prd_nope') })).toMatchObject({
      ok: false,
      problem: { status: 400, code: 'cursor_invalid' },
    });
  });
});
