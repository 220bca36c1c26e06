/**
 * Idempotency keys on a real route: POST /v1/inventory/{sku}/restock (admin),
 * where the key is optional and also the inventory operation id.
 */
import { describe, expect, it } from 'vitest';
import { call, operatorKey } from '../../test/support/clients';

interface Stock {
  available: number;
}

const sku = () => `IDEM-${crypto.randomUUID().slice(0, 8)}`;
const restock = (s: string, quantity: number, key?: string) =>
  call('POST', `/v1/inventory/${s}/restock`, {
    apiKey: operatorKey(),
    body: { quantity, region: 'us' },
    headers: key ? { 'idempotency-key': key } : {},
  });
const available = async (s: string) =>
  ((await (await call('GET', `/v1/inventory/${s}?region=us`)).json()) as Stock).available;

describe('restock with Idempotency-Key', () => {
  it('50 concurrent duplicates add the stock once; one original, the rest 409 or its replay', async () => {
    const s = sku();
    const results = await Promise.all(Array.from({ length: 50 }, () => restock(s, 7, 'dup-50')));
    expect(await available(s)).toBe(7);
    const originals = results.filter(
      (r) => r.status === 200 && r.headers.get('idempotent-replayed') === null,
    );
    expect(originals).toHaveLength(1);
    const first = await originals[0]?.json();
    expect(first).toEqual({ sku: s, region: 'us', available: 7, reserved: 0, sold: 0 });
    for (const res of results) {
      if (res === originals[0]) continue;
      expect([200, 409]).toContain(res.status);
      if (res.status === 200) expect(await res.json()).toEqual(first);
    }
  });

  it('a replay returns the stored first response, not a recomputed one', async () => {
    const s = sku();
    expect((await restock(s, 5, 'first')).status).toBe(200);
    expect((await restock(s, 3, 'second')).status).toBe(200);
    const replay = await restock(s, 5, 'first');
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as Stock).available).toBe(5);
    expect(await available(s)).toBe(8);
  });

  it('the same key with another quantity is a 422 and changes nothing', async () => {
    const s = sku();
    await restock(s, 5, 'k');
    const other = await restock(s, 50, 'k');
    expect(other.status).toBe(422);
    expect(await available(s)).toBe(5);
  });

  it('a key of the maximum length (200 characters) applies once too', async () => {
    const s = sku();
    const key = 'r'.repeat(200);
    expect((await restock(s, 4, key)).status).toBe(200);
    expect((await restock(s, 4, key)).headers.get('idempotent-replayed')).toBe('true');
    expect(await available(s)).toBe(4);
  });

  it('the key stays optional here: without one each restock applies', async () => {
    const s = sku();
    await restock(s, 2);
    await restock(s, 2);
    expect(await available(s)).toBe(4);
  });
});
