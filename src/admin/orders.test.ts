/**
 * GET /v1/admin/orders over HTTP, against the real read models of every
 * region (rows written straight into them): filters by status, region and
 * customer; an opaque cursor that pages across regions newest first with
 * every order exactly once; a cursor bound to its filters; and a region
 * that fails keeps its place, so its orders come on a later page.
 */
import { newId } from '@common/ids';
import type { Region } from '@common/regions';
import { afterEach, describe, expect, it } from 'vitest';
import { call, okJson, operatorKey } from '../../test/support/clients';
import { clearFaults, putFaults } from '../../test/support/faults';
import { insertOrderRow } from '../../test/support/fixtures';

interface Page {
  items: Array<{ orderId: string; region: Region; status: string; customerId: string }>;
  nextCursor: string | null;
  partial: boolean;
  regions: Record<string, { status: string }>;
}

const list = async (query: Record<string, string>) =>
  okJson<Page>(
    await call('GET', `/v1/admin/orders?${new URLSearchParams(query)}`, { apiKey: operatorKey() }),
  );

/** Follows nextCursor to the end (bounded), collecting the order ids. */
async function all(
  query: Record<string, string>,
  onPage?: (page: Page, n: number) => Promise<void>,
) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 50; n++) {
    const page = await list({ ...query, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((o) => o.orderId));
    await onPage?.(page, n);
    cursor = page.nextCursor;
    if (cursor === null) return ids;
  }
  throw new Error('too many pages');
}

/** Seven orders of one (synthetic) customer in every region, with ties in time across regions. */
async function seed() {
  const customerId = newId('cus');
  const base = Date.now() - 60_000;
  const rows: Array<[Region, string, number]> = [
    ['us', 'CONFIRMED', 0],
    ['eu', 'REJECTED', 1],
    ['apac', 'CONFIRMED', 1],
    ['us', 'CANCELLED', 2],
    ['eu', 'CONFIRMED', 3],
    ['apac', 'CONFIRMED', 3],
    ['eu', 'CONFIRMED', 4],
  ];
  const orders = await Promise.all(
    rows.map(async ([region, status, t]) => ({
      region,
      status,
      createdAt: base + t,
      orderId: await insertOrderRow({ region, status, customerId, createdAt: base + t }),
    })),
  );
  // Newest first, ties by id descending: the listing's order.
  const expected = [...orders]
    .sort((a, b) => b.createdAt - a.createdAt || (a.orderId < b.orderId ? 1 : -1))
    .map((o) => o.orderId);
  return { customerId, orders, expected };
}

afterEach(async () => {
  await clearFaults();
});

describe('GET /v1/admin/orders', () => {
  it('pages across regions with an opaque cursor: every order once, newest first', async () => {
    const { customerId, expected } = await seed();
    for (const limit of ['1', '2', '3', '7']) {
      expect(await all({ customerId, limit }), `limit ${limit}`).toEqual(expected);
    }
  });

  it('filters by status, region and customerId (each region filters in its own query)', async () => {
    const { customerId, orders } = await seed();
    const ids = (pick: (o: (typeof orders)[number]) => boolean) =>
      new Set(orders.filter(pick).map((o) => o.orderId));
    expect(new Set(await all({ customerId, status: 'CONFIRMED' }))).toEqual(
      ids((o) => o.status === 'CONFIRMED'),
    );
    expect(new Set(await all({ customerId, region: 'eu' }))).toEqual(ids((o) => o.region === 'eu'));
    expect(new Set(await all({ customerId, region: 'eu', status: 'CONFIRMED' }))).toEqual(
      ids((o) => o.region === 'eu' && o.status === 'CONFIRMED'),
    );
    // Only the asked region is asked.
    expect(Object.keys((await list({ customerId, region: 'apac' })).regions)).toEqual(['apac']);
    expect(await all({ customerId: newId('cus') })).toEqual([]);
  });

  it('a cursor is bound to its filters, and one it did not issue is a 400', async () => {
    const { customerId } = await seed();
    const { nextCursor } = await list({ customerId, limit: '2' });
    expect(nextCursor).not.toBeNull();
    const forged: Record<string, string>[] = [
      { customerId, status: 'CONFIRMED', cursor: String(nextCursor) },
      { customerId, cursor: 'not-a-cursor' },
      { customerId, cursor: `${nextCursor}AA` },
    ];
    for (const query of forged) {
      const res = await call('GET', `/v1/admin/orders?${new URLSearchParams(query)}`, {
        apiKey: operatorKey(),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { type: string }).type).toMatch(/cursor_invalid$/);
    }
    const invalid: Record<string, string>[] = [
      { status: 'SHIPPED' },
      { region: 'mars' },
      { limit: '0' },
    ];
    for (const query of invalid) {
      const res = await call('GET', `/v1/admin/orders?${new URLSearchParams(query)}`, {
        apiKey: operatorKey(),
      });
      expect(res.status, JSON.stringify(query)).toBe(400);
      await res.arrayBuffer();
    }
  });

  it('a region that fails keeps its place: its orders come later, none skipped or repeated', async () => {
    const { customerId, expected } = await seed();
    await putFaults([{ target: 'region:eu', kind: 'error', rate: 1 }]);
    const seen = await all({ customerId, limit: '2' }, async (page, n) => {
      if (n === 0) {
        expect(page.partial).toBe(true);
        expect(page.regions.eu?.status).toBe('error');
        expect(page.items.every((o) => o.region !== 'eu')).toBe(true);
        // eu recovers after the first page.
        await clearFaults();
        await new Promise((r) => setTimeout(r, 300));
      }
    });
    expect([...seen].sort()).toEqual([...expected].sort());
  });
});
