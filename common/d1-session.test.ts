/**
 * D1 sessions as the read models use them, against a real local D1 (one
 * instance locally: no replicas, so what is checked is the contract of the
 * API — a session reports a bookmark after a query, and a session started
 * from a bookmark sees every write that bookmark covered).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { isBookmark, primarySession, readSession } from './d1-session';

const db = (env as unknown as { ORDERS_DB_US: D1Database }).ORDERS_DB_US;

describe('D1 read sessions', () => {
  it('a session reports its bookmark, and a session from that bookmark sees the write it covered', async () => {
    const id = `ord_${crypto.randomUUID().replaceAll('-', '').slice(0, 26).toUpperCase()}`;
    const writer = primarySession(db);
    await writer
      .prepare(
        `INSERT INTO orders (id, customer_id, status, total_amount, currency, items, version, created_at, updated_at)
         VALUES (?, 'cus_session', 'PENDING', 0, 'USD', '[]', 1, 0, 0)`,
      )
      .bind(id)
      .run();
    const bookmark = writer.getBookmark();
    expect(isBookmark(bookmark)).toBe(true);
    const reader = readSession(db, bookmark);
    const row = await reader.prepare('SELECT id FROM orders WHERE id = ?').bind(id).first();
    expect(row).toEqual({ id });
    expect(isBookmark(reader.getBookmark())).toBe(true);
  });

  it('a session without a bookmark starts unconstrained and still answers', async () => {
    const session = readSession(db);
    expect(session.getBookmark()).toBeNull();
    await session.prepare('SELECT 1').first();
    expect(isBookmark(session.getBookmark())).toBe(true);
  });

  it('bookmarks are printable and bounded', () => {
    for (const bad of ['', 'a b', 'x'.repeat(257), 'é']) expect(isBookmark(bad)).toBe(false);
  });
});
