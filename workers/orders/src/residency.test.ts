/**
 * Residency in flight: an eu customer's order travels only on eu queues. The
 * saga's commands and events go to the eu bindings of each destination, and
 * every reply of inventory and payments comes back on the eu replies queue
 * (the real workers and queues; the fast path is off for this saga, so every
 * command takes its queue).
 */
import { runInDurableObject } from 'cloudflare:test';
import {
  INVENTORY_COMMANDS_QUEUE,
  ORDER_EVENTS,
  PAYMENTS_COMMANDS_QUEUE,
} from '@common/contracts/orders';
import { queueSender, queuesFor } from '@common/queues';
import { REGIONS, regionalBinding } from '@common/regions';
import { describe, expect, it } from 'vitest';
import {
  fundedCustomer,
  orderOf,
  placeAndSettle,
  sagaOf,
  stockedSku,
  testEnv,
} from '../test/helpers';
import type { OrderSaga } from './saga';

/** The runner's env with every queue binding wrapped to record its name on each send. */
function recordingEnv() {
  const used: string[] = [];
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(testEnv)) {
    const queue = value as Partial<Queue>;
    if (typeof queue.sendBatch !== 'function') continue;
    wrapped[name] = {
      sendBatch: (messages: MessageSendRequest[], options?: QueueSendBatchOptions) => {
        used.push(name);
        return (value as Queue).sendBatch(messages, options);
      },
    };
  }
  return { env: wrapped, used };
}

describe('residency in flight', () => {
  it("an eu customer's order messages are only ever sent on eu queues", async () => {
    const sku = await stockedSku('eu', 3);
    const customerId = await fundedCustomer('eu', 10_000);
    const o = orderOf(customerId, 'eu', sku, 1);
    const { env, used } = recordingEnv();
    await runInDurableObject(sagaOf(o), (saga: OrderSaga) => {
      saga.fastPath = { ...saga.fastPath, enabled: false };
      saga.send = queueSender(env);
    });
    expect((await placeAndSettle(o)).status).toBe('CONFIRMED');

    const inspection = await sagaOf(o).inspect();
    // Sent by the saga: commands and events, on eu bindings only.
    expect(new Set(used)).toEqual(
      new Set([
        'INVENTORY_COMMANDS_EU',
        'PAYMENTS_COMMANDS_EU',
        'ORDER_EVENTS_EU__READ_MODEL',
        'ORDER_EVENTS_EU__NOTIFICATIONS',
        'ORDER_EVENTS_EU__ANALYTICS',
        'ORDER_EVENTS_EU__CARTS',
      ]),
    );
    // Sent by inventory and payments: every reply arrived on the eu replies queue.
    const queues = (inspection?.log ?? [])
      .filter((l) => l.kind === 'reply')
      .map((l) => {
        expect(l.via).toBe('queue');
        return (JSON.parse(l.detail) as { detail: { queue: string } }).detail.queue;
      });
    expect(queues).toEqual([
      'meridian-saga-replies-eu',
      'meridian-saga-replies-eu',
      'meridian-saga-replies-eu',
    ]);
  });

  it('the orders worker binds each of its destinations in every region (a missing one fails here, not in production)', () => {
    for (const destination of [
      INVENTORY_COMMANDS_QUEUE,
      PAYMENTS_COMMANDS_QUEUE,
      ORDER_EVENTS,
      'DEAD_LETTERS',
    ]) {
      for (const region of REGIONS) {
        expect(
          queuesFor(testEnv, regionalBinding(destination, region)).length,
          `${destination} in ${region}`,
        ).toBeGreaterThan(0);
      }
    }
  });
});
