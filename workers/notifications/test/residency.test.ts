/**
 * Data residency of notifications: a customer's notices are written to, and
 * read from, their home region's database only; a dead letter (which holds
 * the whole message) is kept in the region of the message it carries, and
 * one whose region cannot be told goes to `eu`, the strictest jurisdiction.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { DeadLetter } from '@common/consumer';
import { MESSAGE, type OrderSnapshot } from '@common/contracts/orders';
import { type Envelope, makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { REGIONS, type Region } from '@common/regions';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import { originRegion } from '../src/dead-letters';
import NotificationsService from '../src/index';
import { countByRegion, deliver, only } from './helpers';

const service = exports.default as unknown as Service<typeof NotificationsService>;

function orderEvent(region: Region, status: OrderSnapshot['status'] = 'CONFIRMED') {
  const now = Date.now();
  const order: OrderSnapshot = {
    orderId: newId('ord'),
    customerId: newId('cus'),
    region,
    status,
    version: 3,
    items: [],
    total: { amount: 1999, currency: 'USD' },
    reason: null,
    createdAt: now,
    updatedAt: now,
  };
  const envelope = makeEnvelope({
    type: MESSAGE.orderStatusChanged,
    payload: order,
    region,
    correlationId: order.orderId,
    traceparent: '',
  });
  return { order, envelope };
}

describe('notification inbox residency', () => {
  it.each(REGIONS)(
    'a %s customer’s notice is written to and read from their region only',
    async (region) => {
      const { order, envelope } = orderEvent(region);
      const result = await deliver(`meridian-notification-events-${region}`, [envelope]);
      expect(result.explicitAcks).toHaveLength(1);
      expect(await countByRegion('notifications', 'customer_id = ?', order.customerId)).toEqual(
        only(region),
      );
      expect(await service.listNotifications(order.customerId, region)).toEqual([
        expect.objectContaining({ type: 'order.confirmed', orderId: order.orderId }),
      ]);
      for (const other of REGIONS.filter((r) => r !== region)) {
        expect(await service.listNotifications(order.customerId, other)).toEqual([]);
      }
    },
  );

  it('an envelope whose region disagrees with its order is written nowhere (retried)', async () => {
    const { order, envelope } = orderEvent('eu');
    const forged: Envelope = { ...envelope, region: 'us' };
    const result = await deliver('meridian-notification-events-us', [forged]);
    expect(result.retryMessages).toHaveLength(1);
    expect(await countByRegion('notifications', 'customer_id = ?', order.customerId)).toEqual(
      only('eu', 0),
    );
  });

  it('refuses a region it does not know instead of picking some database', async () => {
    const direct = new NotificationsService(createExecutionContext(), env);
    await expect(direct.listNotifications('cus_X', 'mars' as Region)).rejects.toThrow(
      /unknown region/,
    );
  });
});

describe('dead-letter residency', () => {
  // Queues are per region: a dead message comes from its region's queue.
  const annotated = (body: unknown, region: Region = 'us'): DeadLetter => ({
    kind: 'dead_letter',
    queue: `meridian-notification-events-${region}`,
    error: 'boom',
    attempts: 5,
    failedAt: new Date().toISOString(),
    body,
  });

  it.each(REGIONS)(
    'a dead %s message is kept in its own region’s database only',
    async (region) => {
      const { envelope } = orderEvent(region, 'REJECTED');
      await deliver(`meridian-dead-letters-${region}`, [annotated(envelope, region)]);
      expect(await countByRegion('dead_letters', 'envelope_id = ?', envelope.id)).toEqual(
        only(region),
      );
      const listed = await service.listDeadLetters(region, 100);
      expect(listed.find((l) => l.envelopeId === envelope.id)).toMatchObject({
        region,
        queue: `meridian-notification-events-${region}`,
      });
    },
  );

  it('a message of unclear origin is kept in eu, the strictest jurisdiction', async () => {
    const marker = newId('msg');
    const { envelope } = orderEvent('us');
    const cases: unknown[] = [
      { id: `${marker}-raw`, note: 'not an envelope' },
      { ...envelope, id: `${marker}-mars`, region: 'mars' },
      // The envelope says us, its payload names eu: the data may be an eu customer's.
      { ...envelope, id: `${marker}-mixed`, payload: { ...envelope.payload, region: 'eu' } },
    ];
    for (const body of cases) expect(originRegion(body)).toBe('eu');
    expect(originRegion('text')).toBe('eu');
    await deliver(
      'meridian-dead-letters-us',
      cases.map((body) => annotated(body)),
    );
    for (const suffix of ['raw', 'mars', 'mixed']) {
      expect(await countByRegion('dead_letters', 'envelope_id = ?', `${marker}-${suffix}`)).toEqual(
        only('eu'),
      );
    }
  });

  it('a replay finds the letter in its region and sends it back; an unknown id is 404', async () => {
    const { envelope } = orderEvent('apac', 'REJECTED');
    await deliver('meridian-dead-letters-apac', [annotated(envelope, 'apac')]);
    const [letter] = (await service.listDeadLetters('apac', 100)).filter(
      (l) => l.envelopeId === envelope.id,
    );
    if (!letter) throw new Error('not stored');
    const replayed = await service.replayDeadLetter(letter.id);
    expect(replayed).toMatchObject({ ok: true, value: { id: letter.id, region: 'apac' } });
    expect(await service.replayDeadLetter('dlq_nope')).toMatchObject({
      ok: false,
      problem: { status: 404 },
    });
  });

  it('a letter that died before queues were per region replays into its topic’s queue of the region that keeps it', async () => {
    const { order, envelope } = orderEvent('apac', 'REJECTED');
    const legacy = { ...annotated(envelope), queue: 'meridian-notification-events' };
    await deliver('meridian-dead-letters-apac', [legacy]);
    const [letter] = (await service.listDeadLetters('apac', 100)).filter(
      (l) => l.envelopeId === envelope.id,
    );
    if (!letter) throw new Error('not stored');
    expect(await service.replayDeadLetter(letter.id)).toMatchObject({ ok: true });
    // Delivered on meridian-notification-events-apac: the apac inbox gets the notice.
    const inbox = await eventually(
      () => service.listNotifications(order.customerId, 'apac'),
      (items) => items.length > 0,
    );
    expect(inbox).toEqual([expect.objectContaining({ type: 'order.rejected' })]);
  });

  it('with a region unreachable, "not found" is not claimed: 503 naming it', async () => {
    const down = new NotificationsService(createExecutionContext(), {
      ...env,
      NOTIFICATIONS_DB_EU: {
        prepare: () => {
          throw new Error('D1_ERROR: network connection lost (test outage)');
        },
      } as unknown as D1Database,
    });
    expect(await down.replayDeadLetter('dlq_nope')).toMatchObject({
      ok: false,
      problem: { status: 503, code: 'dead_letters_unavailable' },
    });
  });
});
