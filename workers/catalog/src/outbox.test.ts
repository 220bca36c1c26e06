import { createScheduledController } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  eventually,
  inboxHas,
  outboxDrained,
  outboxRows,
  productInput,
  serviceInstance,
  sleep,
  testEnv,
  writeContext,
} from '../test/support';
import { INVALIDATION_CONSUMER } from './consumer';
import { claimOutbox, relayOutbox } from './outbox';
import { createProduct } from './writes';

/** Commits a product and its event without relaying: the writer "dies" right after commit. */
async function committedButNotRelayed(): Promise<string> {
  await outboxDrained();
  const created = await createProduct(writeContext(), { ...productInput(), description: '' });
  if (!created.ok) throw new Error(created.problem.detail);
  const row = (await outboxRows()).find((r) => r.envelope.includes(created.value.id));
  if (!row) throw new Error('the event was not committed with the write');
  return row.message_id;
}

const failingQueue = {
  sendBatch: async () => {
    throw new Error('queue unavailable');
  },
} as unknown as Queue;

async function outboxRow(messageId: string) {
  return testEnv.CATALOG_DB.prepare('SELECT * FROM outbox WHERE message_id = ?')
    .bind(messageId)
    .first<{ attempts: number; last_error: string | null; available_at: number }>();
}

describe('outbox relay', () => {
  it('an event whose writer died after commit is delivered by the cron trigger', async () => {
    const messageId = await committedButNotRelayed();
    const { service, settled } = serviceInstance();
    await service.scheduled(createScheduledController({ cron: '* * * * *' }));
    await settled();
    expect(await outboxRow(messageId)).toBeNull();
    expect(
      await eventually(
        () => inboxHas(INVALIDATION_CONSUMER, messageId),
        (seen) => seen,
      ),
    ).toBe(true);
  });

  it('a failed send keeps the event, backs off, and a later relay delivers it', async () => {
    const messageId = await committedButNotRelayed();
    const failed = await relayOutbox(testEnv.CATALOG_DB, failingQueue);
    expect(failed).toMatchObject({ sent: 0, error: 'queue unavailable' });
    const row = await outboxRow(messageId);
    expect(row).toMatchObject({ attempts: 1, last_error: 'queue unavailable' });
    expect(row?.available_at).toBeGreaterThan(Date.now());
    // Backing off: a relay right away leaves it alone.
    expect((await relayOutbox(testEnv.CATALOG_DB, testEnv.CATALOG_EVENTS)).sent).toBe(0);
    await sleep((row?.available_at ?? 0) - Date.now() + 20);
    expect((await relayOutbox(testEnv.CATALOG_DB, testEnv.CATALOG_EVENTS)).sent).toBe(1);
    expect(
      await eventually(
        () => inboxHas(INVALIDATION_CONSUMER, messageId),
        (seen) => seen,
      ),
    ).toBe(true);
  });

  it('rows claimed by a relay that died become claimable again when the lease ends', async () => {
    const messageId = await committedButNotRelayed();
    const claimed = await claimOutbox(testEnv.CATALOG_DB, Date.now(), 300, 50);
    expect(claimed.map((r) => JSON.parse(r.envelope).id)).toContain(messageId);
    expect((await relayOutbox(testEnv.CATALOG_DB, testEnv.CATALOG_EVENTS)).sent).toBe(0);
    await sleep(320);
    expect((await relayOutbox(testEnv.CATALOG_DB, testEnv.CATALOG_EVENTS)).sent).toBe(1);
  });

  it('concurrent relays take disjoint rows: each event is sent once', async () => {
    await outboxDrained();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await committedButNotRelayedQuick());
    const sent: string[] = [];
    const recording = {
      sendBatch: async (messages: Array<{ body: { id: string } }>) => {
        sent.push(...messages.map((m) => m.body.id));
        await testEnv.CATALOG_EVENTS.sendBatch(messages);
      },
    } as unknown as Queue;
    await Promise.all(
      [1, 2, 3].map(() => relayOutbox(testEnv.CATALOG_DB, recording, { batch_max: 4 })),
    );
    expect(sent.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(new Set(sent).size).toBe(sent.length);
  });
});

async function committedButNotRelayedQuick(): Promise<string> {
  const created = await createProduct(writeContext(), { ...productInput(), description: '' });
  if (!created.ok) throw new Error(created.problem.detail);
  const row = (await outboxRows()).find((r) => r.envelope.includes(created.value.id));
  if (!row) throw new Error('the event was not committed with the write');
  return row.message_id;
}
