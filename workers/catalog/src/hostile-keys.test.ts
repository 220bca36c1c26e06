/**
 * Client values used as keys in the catalog: list cache keys cannot collide
 * with one another whatever the client sends, a quote matches SKUs through a
 * `Map` (names of `Object.prototype` members are unknown SKUs), and whether a
 * SKU exists follows creates, renames and deletes through the events.
 */
import { ListProductsInputSchema } from '@common/contracts/catalog';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  catalog,
  deliver,
  outboxDrained,
  productInput,
  takeEvent,
  writeContext,
} from '../test/support';
import { listKey } from './reader';
import { createProduct, deleteProduct, updateProduct } from './writes';

describe('list cache keys', () => {
  it('never collide: a key stands for one (category filter, limit, cursor) only', () => {
    const query = fc.record({
      category: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
      limit: fc.integer({ min: 1, max: 100 }),
      cursor: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(query, query, (a, b) => {
        const same = a.category === b.category && a.limit === b.limit && a.cursor === b.cursor;
        expect(listKey('g', a) === listKey('g', b)).toBe(same);
      }),
    );
    // The literal that once meant "no filter" is now refused as a category.
    expect(ListProductsInputSchema.safeParse({ category: '*' }).success).toBe(false);
    expect(listKey('g', { limit: 20 })).not.toBe(listKey('g', { limit: 20, category: 'all' }));
  });
});

describe('quote', () => {
  it('prototype member names are unknown SKUs, never prices', async () => {
    for (const sku of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const quoted = await catalog.quote([sku]);
      expect(quoted).toMatchObject({ ok: false, problem: { status: 400, code: 'sku_unknown' } });
    }
  });

  it('input that is not a list of SKUs is a 400 answer, not a thrown error', async () => {
    for (const input of [['__proto__'], [], ['ok', 7], 'MRD-TEE-001']) {
      const quoted = await catalog.quote(input as string[]);
      expect(quoted).toMatchObject({ ok: false, problem: { status: 400, code: 'quote_invalid' } });
    }
  });

  it('prices the SKUs that exist, as a list', async () => {
    const quoted = await catalog.quote(['MRD-TEE-001', 'MRD-MUG-003']);
    if (!quoted.ok) throw new Error(quoted.problem.detail);
    expect(quoted.value).toEqual(
      expect.arrayContaining([
        { sku: 'MRD-TEE-001', unitPrice: { amount: 2500, currency: 'USD' } },
        { sku: 'MRD-MUG-003', unitPrice: { amount: 1400, currency: 'USD' } },
      ]),
    );
  });
});

describe('skuExists', () => {
  it('follows a create, a rename and a delete through their events', async () => {
    await outboxDrained();
    const input = productInput();
    expect(await catalog.skuExists(input.sku)).toMatchObject({ exists: false });
    const created = await createProduct(writeContext(), { ...input, description: '' });
    if (!created.ok) throw new Error(created.problem.detail);
    // A fresh answer reads D1 at once; the cached one follows the event.
    expect(await catalog.skuExists(input.sku, { fresh: true })).toMatchObject({ exists: true });
    await deliver(await takeEvent(created.value.id));
    expect(await catalog.skuExists(input.sku)).toMatchObject({ exists: true });

    const renamed = `${input.sku}-R`;
    expect((await updateProduct(writeContext(), created.value.id, { sku: renamed })).ok).toBe(true);
    await deliver(await takeEvent(created.value.id));
    expect(await catalog.skuExists(input.sku)).toMatchObject({ exists: false });
    expect(await catalog.skuExists(renamed)).toMatchObject({ exists: true });

    expect((await deleteProduct(writeContext(), created.value.id)).ok).toBe(true);
    await deliver(await takeEvent(created.value.id));
    expect(await catalog.skuExists(renamed)).toMatchObject({ exists: false });
  });

  it('a malformed SKU does not exist, and costs no lookup', async () => {
    expect(await catalog.skuExists('__proto__')).toEqual({ exists: false, freshForMs: 0 });
    expect(await catalog.skuExists('has space')).toEqual({ exists: false, freshForMs: 0 });
  });
});
