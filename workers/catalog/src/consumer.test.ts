import { STOCK_CHANGED } from '@common/contracts/inventory';
import { makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import {
  catalog,
  deliver,
  eventually,
  meta,
  outboxDrained,
  productInput,
  takeEvent,
  testEnv,
  writeContext,
} from '../test/support';
import { LIST_GENERATION_KEY, productKey } from './reader';
import { createProduct, deleteProduct, updateProduct } from './writes';

const category = () => `inv-${newId('op').slice(-8).toLowerCase()}`;

async function read(id: string) {
  const result = await catalog.getProduct(id);
  if (!result.ok) throw new Error(result.problem.detail);
  return result.value;
}

async function list(cat: string) {
  const result = await catalog.listProducts({ limit: 10, category: cat });
  if (!result.ok) throw new Error(result.problem.detail);
  return result.value;
}

/** A product whose creation event has been delivered, so its caches start clean. */
async function product(cat: string) {
  await outboxDrained();
  const created = await createProduct(writeContext(), {
    ...productInput({ category: cat }),
    description: '',
  });
  if (!created.ok) throw new Error(created.problem.detail);
  await deliver(await takeEvent(created.value.id));
  return created.value.id;
}

describe('cache invalidation by the catalog events', () => {
  it('an update event invalidates the product and its list pages; the next read sees the new version', async () => {
    const cat = category();
    const id = await product(cat);
    await read(id);
    await list(cat);
    const updated = await updateProduct(writeContext(), id, { name: 'new name' });
    expect(updated.ok).toBe(true);
    // Committed, not yet delivered: the caches still answer with version 1.
    expect(await read(id)).toMatchObject({ cache: 'hit-memory', product: { version: 1 } });
    expect((await list(cat)).cache).toBe('hit-memory');

    const result = await deliver(await takeEvent(id));
    expect(result.retryMessages).toEqual([]);
    expect(await read(id)).toMatchObject({
      cache: 'miss',
      product: { version: 2, name: 'new name' },
    });
    const page = await list(cat);
    expect(page.cache).toBe('miss');
    expect(page.page.items.map((p) => [p.id, p.version])).toEqual([[id, 2]]);
  });

  it('a delete event makes the product unknown and drops it from its list pages', async () => {
    const cat = category();
    const id = await product(cat);
    await read(id);
    expect((await list(cat)).page.items).toHaveLength(1);
    await deleteProduct(writeContext(), id);
    await deliver(await takeEvent(id));
    expect(await catalog.getProduct(id)).toMatchObject({ ok: false, problem: { status: 404 } });
    expect((await list(cat)).page.items).toHaveLength(0);
  });

  it('a duplicate delivery has no second effect', async () => {
    const cat = category();
    const id = await product(cat);
    await updateProduct(writeContext(), id, { name: 'once' });
    const event = await takeEvent(id);
    await deliver(event);
    // Caches fill again after the first delivery…
    await read(id);
    await list(cat);
    await eventually(
      () => testEnv.PRODUCT_CACHE.get(productKey(id)),
      (v) => v !== null,
    );
    const generation = await testEnv.PRODUCT_CACHE.get(LIST_GENERATION_KEY);
    // …and the redelivery leaves them alone.
    const again = await deliver(event);
    expect(again.retryMessages).toEqual([]);
    expect(await testEnv.PRODUCT_CACHE.get(productKey(id))).not.toBeNull();
    expect(await testEnv.PRODUCT_CACHE.get(LIST_GENERATION_KEY)).toBe(generation);
    expect((await read(id)).cache).not.toBe('miss');
  });

  it('an inventory event updates availability in the read model and invalidates the product', async () => {
    const id = await product(category());
    const { sku } = (await read(id)).product;
    const stock = (available: number, version: number) =>
      makeEnvelope({
        type: STOCK_CHANGED,
        payload: { sku, region: 'eu', available, reserved: 0, version, reason: 'restock' },
        region: 'eu',
        correlationId: meta.requestId,
        traceparent: meta.traceparent,
      });
    await deliver(stock(7, 1));
    expect(await read(id)).toMatchObject({ cache: 'miss', product: { availability: { eu: 7 } } });
    // An older event arriving late does not move the level backwards.
    await deliver(stock(3, 0));
    expect((await read(id)).product.availability).toEqual({ eu: 7 });
  });
});

describe('the write path end to end', () => {
  it('a write through the service is relayed and invalidates without any help', async () => {
    const created = await catalog.createProduct(productInput(), meta);
    if (!created.ok) throw new Error(created.problem.detail);
    const { id } = created.value;
    await read(id);
    await catalog.updateProduct(id, { name: 'relayed' }, meta);
    const seen = await eventually(
      () => read(id),
      (r) => r.product.version === 2,
    );
    expect(seen.product.name).toBe('relayed');
  });
});
