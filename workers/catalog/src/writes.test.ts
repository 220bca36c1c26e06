import { PRODUCT_CHANGED, PRODUCT_DELETED } from '@common/contracts/catalog';
import { makeEnvelope } from '@common/envelope';
import { describe, expect, it } from 'vitest';
import {
  catalog,
  meta,
  outboxDrained,
  outboxRows,
  productInput,
  takeEvent,
  testEnv,
  writeContext,
} from '../test/support';
import { outboxInsert } from './outbox';
import { createProduct, deleteProduct, updateProduct } from './writes';

async function rowOf(id: string) {
  return testEnv.CATALOG_DB.prepare('SELECT * FROM products WHERE id = ?').bind(id).first<{
    version: number;
    updated_at: number;
    name: string;
    sku: string;
    price_amount: number;
  }>();
}

const eventsFor = async (text: string) =>
  (await outboxRows()).filter((r) => r.envelope.includes(text));

describe('product writes commit with their event (outbox)', () => {
  it('a create commits the product and one product_changed event carrying the request trace', async () => {
    await outboxDrained();
    const created = await createProduct(writeContext(), {
      ...productInput(),
      description: '',
    });
    if (!created.ok) throw new Error(created.problem.detail);
    expect(await rowOf(created.value.id)).toMatchObject({ version: 1 });
    const event = await takeEvent(created.value.id);
    expect(event).toMatchObject({
      type: PRODUCT_CHANGED,
      correlationId: meta.requestId,
      traceparent: meta.traceparent,
      region: 'us',
      payload: { change: 'created', product: { id: created.value.id, version: 1 } },
    });
  });

  it('a create with a taken sku is refused with 409 and leaves neither row nor event', async () => {
    const input = productInput();
    const first = await catalog.createProduct(input, meta);
    expect(first.ok).toBe(true);
    await outboxDrained();
    const refused = await createProduct(writeContext(), {
      ...input,
      name: 'second with the same sku',
      description: '',
    });
    expect(refused).toMatchObject({ ok: false, problem: { status: 409, code: 'sku_taken' } });
    expect(await eventsFor('second with the same sku')).toHaveLength(0);
    const rows = await testEnv.CATALOG_DB.prepare(
      'SELECT COUNT(*) AS n FROM products WHERE sku = ?',
    )
      .bind(input.sku)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it('an event is recorded only if the write before it in the batch changed a row', async () => {
    const created = await catalog.createProduct(productInput(), meta);
    if (!created.ok) throw new Error(created.problem.detail);
    const { id } = created.value;
    // The service relays after each write; let it finish before reading the outbox.
    await outboxDrained();
    const attempt = (version: number, tag: string) =>
      testEnv.CATALOG_DB.batch([
        testEnv.CATALOG_DB.prepare(
          'UPDATE products SET name = ? WHERE id = ? AND version = ?',
        ).bind(tag, id, version),
        outboxInsert(
          testEnv.CATALOG_DB,
          makeEnvelope({
            type: 'test.noop',
            payload: { tag },
            region: 'us',
            correlationId: 'c',
            traceparent: meta.traceparent,
          }),
          { ifPreviousChanged: true },
        ),
      ]);
    await attempt(99, 'stale-version-write');
    await attempt(1, 'current-version-write');
    expect(await eventsFor('stale-version-write')).toHaveLength(0);
    expect(await eventsFor('current-version-write')).toHaveLength(1);
  });
});

describe('updates', () => {
  it('bump version and updatedAt on every update, even two in the same millisecond', async () => {
    const created = await catalog.createProduct(productInput(), meta);
    if (!created.ok) throw new Error(created.problem.detail);
    const { id } = created.value;
    await outboxDrained();
    const first = await updateProduct(writeContext(), id, { name: 'one' });
    const second = await updateProduct(writeContext(), id, { name: 'two' });
    if (!first.ok || !second.ok) throw new Error('update failed');
    expect([first.value.version, second.value.version]).toEqual([2, 3]);
    expect(second.value.updated_at).toBeGreaterThan(first.value.updated_at);
    expect(first.value.updated_at).toBeGreaterThan(Date.parse(created.value.updatedAt));
    expect(await rowOf(id)).toMatchObject({ version: 3, name: 'two' });
    // Each committed update has its own event with the version it wrote.
    const versions = (await outboxRows())
      .map((r) => JSON.parse(r.envelope))
      .filter((e) => e.payload?.product?.id === id && e.payload.change === 'updated')
      .map((e) => e.payload.product.version);
    expect(versions).toEqual([2, 3]);
  });

  it('concurrent updates of different fields both apply, one after the other', async () => {
    const created = await catalog.createProduct(productInput(), meta);
    if (!created.ok) throw new Error(created.problem.detail);
    const { id } = created.value;
    const [a, b] = await Promise.all([
      catalog.updateProduct(id, { name: 'renamed' }, meta),
      catalog.updateProduct(id, { price: { amount: 777, currency: 'USD' } }, meta),
    ]);
    expect(a?.ok && b?.ok).toBe(true);
    expect(await rowOf(id)).toMatchObject({ version: 3, name: 'renamed', price_amount: 777 });
  });

  it('moving to a taken sku is refused with 409 and changes nothing', async () => {
    const taken = productInput();
    await catalog.createProduct(taken, meta);
    const created = await catalog.createProduct(productInput(), meta);
    if (!created.ok) throw new Error(created.problem.detail);
    const moved = await catalog.updateProduct(created.value.id, { sku: taken.sku }, meta);
    expect(moved).toMatchObject({ ok: false, problem: { status: 409, code: 'sku_taken' } });
    expect(await rowOf(created.value.id)).toMatchObject({ version: 1, sku: created.value.sku });
  });

  it('an unknown id is 404, and invalid input is 400 naming the field', async () => {
    const missing = 'prd_0000000000ZZZZZZZZZZZZZZZZ';
    expect(await catalog.updateProduct(missing, { name: 'x' }, meta)).toMatchObject({
      ok: false,
      problem: { status: 404 },
    });
    expect(await catalog.deleteProduct(missing, meta)).toMatchObject({
      ok: false,
      problem: { status: 404 },
    });
    const bad = await catalog.createProduct(
      { ...productInput(), price: { amount: 1.5, currency: 'usd' } },
      meta,
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problem.status).toBe(400);
      expect(bad.problem.errors?.map((e) => e.path)).toEqual(['price.amount', 'price.currency']);
    }
    const empty = await catalog.updateProduct(missing, {}, meta);
    expect(empty).toMatchObject({ ok: false, problem: { status: 400 } });
  });
});

describe('deletes', () => {
  it('remove the row and commit a product_deleted event with the deleted version', async () => {
    const created = await catalog.createProduct(productInput(), meta);
    if (!created.ok) throw new Error(created.problem.detail);
    const { id } = created.value;
    await outboxDrained();
    await updateProduct(writeContext(), id, { name: 'before delete' });
    expect(await deleteProduct(writeContext(), id)).toEqual({
      ok: true,
      value: { id, version: 2 },
    });
    expect(await rowOf(id)).toBeNull();
    expect(await takeEvent(id)).toMatchObject({
      type: PRODUCT_DELETED,
      payload: { productId: id, version: 2 },
    });
    expect(await deleteProduct(writeContext(), id)).toMatchObject({ ok: false });
  });
});
