import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOnceD1, consumeBatch, retryDelay_s } from './consumer';
import { makeEnvelope } from './envelope';
import { newId } from './ids';
import type { Region } from './regions';

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
    expect(retryDelay_s(1)).toBe(2);
    expect(retryDelay_s(4)).toBe(16);
    expect(retryDelay_s(30)).toBe(300);
    expect(retryDelay_s(30, 60)).toBe(60);
  });
});

describe('consumeBatch (per-message ack, retry, dead letter)', () => {
  const envelopeOf = (n: number) =>
    makeEnvelope({
      type: 'test.event',
      payload: { n },
      region: 'us',
      correlationId: `c-${n}`,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
  const batchOf = (attempts: number) =>
    createMessageBatch(
      'meridian-test-queue',
      Array.from({ length: 10 }, (_, i) => ({
        id: `m-${i + 1}`,
        timestamp: Date.now(),
        attempts,
        body: envelopeOf(i + 1),
      })),
    );

  it('a batch where message 8 of 10 fails acks the other nine and retries only the eighth', async () => {
    const batch = batchOf(1);
    const ctx = createExecutionContext();
    const seen: number[] = [];
    await consumeBatch(
      batch,
      async (envelope) => {
        const { n } = envelope.payload as { n: number };
        seen.push(n);
        if (n === 8) throw new Error('message 8 cannot be applied yet');
        return 'applied';
      },
      { service: 'test' },
    );
    const result = await getQueueResult(batch, ctx);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(false);
    expect(result.explicitAcks.sort()).toEqual([
      'm-1',
      'm-10',
      'm-2',
      'm-3',
      'm-4',
      'm-5',
      'm-6',
      'm-7',
      'm-9',
    ]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m-8']);
  });

  it('on its last attempt a failing message is dead-lettered with its origin, error and attempts', async () => {
    const batch = batchOf(5);
    const ctx = createExecutionContext();
    const letters: unknown[] = [];
    const deadLetters = {
      send: async (body: unknown) => void letters.push(body),
    } as unknown as Queue;
    await consumeBatch(
      batch,
      async (envelope) => {
        if ((envelope.payload as { n: number }).n === 3) throw new Error('poison');
        return 'applied';
      },
      { service: 'test', deadLetters: () => deadLetters, attempts_max: 5 },
    );
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(10);
    expect(letters).toEqual([
      expect.objectContaining({
        kind: 'dead_letter',
        queue: 'meridian-test-queue',
        error: 'poison',
        attempts: 5,
        body: expect.objectContaining({ payload: { n: 3 } }),
      }),
    ]);
  });
});

describe('consumeBatch on regional queues (residency in flight)', () => {
  const envelopeIn = (region: Region) =>
    makeEnvelope({
      type: 'test.event',
      payload: { region },
      region,
      correlationId: 'c-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
  const batchOn = (queue: string, envelope: unknown, attempts: number) =>
    createMessageBatch(queue, [{ id: 'm-1', timestamp: Date.now(), attempts, body: envelope }]);

  /** A dead-letter route that records which region's queue got each letter. */
  function recordingDeadLetters() {
    const sent: Array<{ region: Region; body: unknown }> = [];
    const route = (region: Region) =>
      ({ send: async (body: unknown) => void sent.push({ region, body }) }) as unknown as Queue;
    return { route, sent };
  }

  it('a message of another region on a regional queue is refused, never applied', async () => {
    const batch = batchOn('meridian-test-events-us', envelopeIn('eu'), 1);
    const ctx = createExecutionContext();
    let applied = 0;
    await consumeBatch(
      batch,
      async () => {
        applied++;
        return 'applied';
      },
      { service: 'test' },
    );
    const result = await getQueueResult(batch, ctx);
    expect(applied).toBe(0);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m-1']);
  });

  it('a message of the queue’s own region is applied', async () => {
    const batch = batchOn('meridian-test-events-eu', envelopeIn('eu'), 1);
    const ctx = createExecutionContext();
    await consumeBatch(batch, async () => 'applied', { service: 'test' });
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['m-1']);
  });

  it('a message that exhausts its attempts goes to the dead-letter queue of its queue’s region', async () => {
    const { route, sent } = recordingDeadLetters();
    const batch = batchOn('meridian-test-events-eu', envelopeIn('eu'), 5);
    const ctx = createExecutionContext();
    await consumeBatch(
      batch,
      async () => {
        throw new Error('poison');
      },
      { service: 'test', deadLetters: route, attempts_max: 5 },
    );
    await getQueueResult(batch, ctx);
    expect(sent.map((l) => l.region)).toEqual(['eu']);
    expect(sent[0]?.body).toMatchObject({ queue: 'meridian-test-events-eu', error: 'poison' });
  });

  it('a refused foreign message is dead-lettered in the region of the queue it travelled on', async () => {
    const { route, sent } = recordingDeadLetters();
    const batch = batchOn('meridian-test-events-apac', envelopeIn('us'), 5);
    const ctx = createExecutionContext();
    await consumeBatch(batch, async () => 'applied', {
      service: 'test',
      deadLetters: route,
      attempts_max: 5,
    });
    await getQueueResult(batch, ctx);
    expect(sent.map((l) => l.region)).toEqual(['apac']);
    expect(sent[0]?.body).toMatchObject({ error: expect.stringMatching(/^residency:/) });
  });
});
