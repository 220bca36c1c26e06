/**
 * A poison message ends in the dead-letter store with its origin queue, error
 * and attempts, and an operator replays it once the cause is fixed: the real
 * queues, consumers and store, with the failure made by fault injection.
 */

import { newId } from '@common/ids';
import { afterEach, describe, expect, it } from 'vitest';
import { call, operatorKey, register } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, putFaultsEverywhere } from '../../test/support/faults';
import { insertDeadLetter, insertProduct } from '../../test/support/fixtures';

interface DeadLetter {
  id: string;
  queue: string;
  type: string | null;
  error: string | null;
  attempts: number;
  replayedAt: string | null;
  body: string;
}

const letters = async () => {
  const res = await call('GET', '/v1/admin/dead-letters?limit=100', { apiKey: operatorKey() });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: DeadLetter[] }).items;
};

afterEach(async () => {
  await clearFaults();
});

describe('dead letters', () => {
  it('a message that keeps failing is stored with its error, and replays once the cause is fixed', {
    // Five attempts, each waiting out the notifications batch (2 s), then the dead-letter batch.
    timeout: 90_000,
  }, async () => {
    // Every delivery to the notifications consumer fails while the rule lasts
    // (a rule on the topic applies to its queue in every region).
    await putFaultsEverywhere([
      { target: 'queue:meridian-notification-events', kind: 'error', rate: 1 },
    ]);
    const sku = `DLQ-${newId('op').slice(-10)}`;
    await insertProduct({ sku });
    await call('POST', `/v1/inventory/${sku}/restock`, {
      apiKey: operatorKey(),
      body: { quantity: 1, region: 'us' },
    });
    const customer = await register({ region: 'us' });
    // An order for an unstocked quantity: rejected at once, one notification due.
    const placed = await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newId('op') },
      body: { items: [{ sku, quantity: 5 }] },
    });
    const { orderId } = (await placed.json()) as { orderId: string };
    const ofOrder = (items: DeadLetter[]) =>
      items.filter((l) => l.body.includes(orderId) && l.body.includes('"REJECTED"'));
    // Five attempts with backoff, then the dead-letter queue: generous on a loaded machine.
    const dead = ofOrder(await eventually(letters, (items) => ofOrder(items).length > 0, 45_000));
    expect(dead).toHaveLength(1);
    const [letter] = dead;
    if (!letter) throw new Error('no dead letter');
    // It died on the queue of the customer's region, and is kept in that region.
    expect(letter).toMatchObject({
      queue: 'meridian-notification-events-us',
      type: 'order.status_changed',
      attempts: 5,
      replayedAt: null,
    });
    expect(letter.error).toMatch(/injected/i);
    const inbox = async () =>
      (
        (await (
          await call('GET', '/v1/notifications', { token: customer.accessToken })
        ).json()) as {
          items: Array<{ type: string; orderId?: string }>;
        }
      ).items;
    expect(await inbox()).toEqual([]);

    // The cause is fixed; the operator replays the letter into its origin queue.
    await clearFaults();
    const replay = await call('POST', `/v1/admin/dead-letters/${letter.id}/replay`, {
      apiKey: operatorKey(),
    });
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as DeadLetter).replayedAt).not.toBeNull();
    const delivered = await eventually(
      inbox,
      (items) => items.some((i) => i.type === 'order.rejected'),
      20_000,
    );
    expect(delivered).toEqual([expect.objectContaining({ type: 'order.rejected', orderId })]);

    // Replaying again sends nothing and says so.
    const again = await call('POST', `/v1/admin/dead-letters/${letter.id}/replay`, {
      apiKey: operatorKey(),
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { type: string }).type).toMatch(
      /dead_letter_already_replayed$/,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect((await inbox()).filter((i) => i.type === 'order.rejected')).toHaveLength(1);
  });

  it('of many concurrent replays of one letter exactly one sends it; the others are 409', async () => {
    const id = await insertDeadLetter();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        call('POST', `/v1/admin/dead-letters/${id}/replay`, { apiKey: operatorKey() }),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([202, ...Array(9).fill(409)]);
    await Promise.all(answers.map((r) => r.arrayBuffer()));
  });

  it('replayed=false lists only the letters not replayed yet', async () => {
    const [replayedId, waitingId] = [await insertDeadLetter(), await insertDeadLetter()];
    const replay = await call('POST', `/v1/admin/dead-letters/${replayedId}/replay`, {
      apiKey: operatorKey(),
    });
    expect(replay.status).toBe(202);
    await replay.arrayBuffer();
    const ids = async (query: string) => {
      const res = await call('GET', `/v1/admin/dead-letters?limit=100${query}`, {
        apiKey: operatorKey(),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: DeadLetter[] }).items.map((l) => l.id);
    };
    const waiting = await ids('&replayed=false');
    expect(waiting).toContain(waitingId);
    expect(waiting).not.toContain(replayedId);
    const done = await ids('&replayed=true');
    expect(done).toContain(replayedId);
    expect(done).not.toContain(waitingId);
    expect(await ids('')).toEqual(expect.arrayContaining([replayedId, waitingId]));
  });

  it('an unknown dead letter is a 404 problem; customers cannot list them', async () => {
    const missing = await call('POST', '/v1/admin/dead-letters/dlq_nope/replay', {
      apiKey: operatorKey(),
    });
    expect(missing.status).toBe(404);
    const customer = await register({ region: 'us' });
    const refused = await call('GET', '/v1/admin/dead-letters', { token: customer.accessToken });
    expect(refused.status).toBe(403);
  });
});
