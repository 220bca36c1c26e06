import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOnceD1, retryDelaySeconds } from './consumer';
import { newId } from './ids';

// The catalog database has the shared inbox table; the runner binds it for tests.
const db = (env as unknown as { CATALOG_DB: D1Database }).CATALOG_DB;

describe('applyOnceD1 (inbox + effect in one transaction)', () => {
  beforeAll(async () => {
    await db.exec(
      'CREATE TABLE IF NOT EXISTS test_counter (id TEXT PRIMARY KEY, n INTEGER NOT NULL)',
    );
  });

  it('a duplicate delivery has no second effect, even for a non-idempotent effect', async () => {
    const counter = newId('op');
    await db.prepare('INSERT INTO test_counter (id, n) VALUES (?, 0)').bind(counter).run();
    const increment = () =>
      db.prepare('UPDATE test_counter SET n = n + 1 WHERE id = ?').bind(counter);
    const messageId = newId('msg');

    expect(await applyOnceD1(db, 'test.counter', messageId, [increment()])).toBe('applied');
    expect(await applyOnceD1(db, 'test.counter', messageId, [increment()])).toBe('duplicate');
    expect(await applyOnceD1(db, 'test.counter', newId('msg'), [increment()])).toBe('applied');

    const row = await db
      .prepare('SELECT n FROM test_counter WHERE id = ?')
      .bind(counter)
      .first<{ n: number }>();
    expect(row?.n).toBe(2);
  });

  it('a failing effect leaves no inbox record, so the redelivery applies it', async () => {
    const messageId = newId('msg');
    const broken = db.prepare('INSERT INTO no_such_table VALUES (1)');
    await expect(applyOnceD1(db, 'test.counter', messageId, [broken])).rejects.toThrow();
    const seen = await db
      .prepare('SELECT COUNT(*) AS n FROM inbox WHERE consumer = ? AND message_id = ?')
      .bind('test.counter', messageId)
      .first<{ n: number }>();
    expect(seen?.n).toBe(0);
  });

  it('the same message id is independent per consumer', async () => {
    const messageId = newId('msg');
    expect(await applyOnceD1(db, 'test.a', messageId, [])).toBe('applied');
    expect(await applyOnceD1(db, 'test.b', messageId, [])).toBe('applied');
  });
});

describe('retry backoff', () => {
  it('grows exponentially and is capped', () => {
    expect(retryDelaySeconds(1)).toBe(2);
    expect(retryDelaySeconds(4)).toBe(16);
    expect(retryDelaySeconds(30)).toBe(300);
    expect(retryDelaySeconds(30, 60)).toBe(60);
  });
});
