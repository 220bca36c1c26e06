/**
 * Cart replicas as Durable Objects over the real regional queues: writes
 * spread, a partition (the `replication` drop rule) leaves every replica
 * writable, and after the heal anti-entropy converges them with no further
 * write; redelivered messages change nothing; an eu cart stays in eu.
 */

import { makeEnvelope } from '@common/envelope';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import { REPLICATION_DESTINATION, REPLICATION_MESSAGE } from '../src/messages';
import {
  add,
  at,
  cartAt,
  carts,
  deliver,
  heal,
  inspect,
  meta,
  newCustomer,
  partition,
  pause,
  recordSends,
  replica,
  untilConverged,
} from './helpers';

afterEach(heal);

describe('cart replicas', () => {
  it('a write taken by the serving region’s replica reaches every other replica', async () => {
    const customer = newCustomer();
    const view = await add(at(customer, 'us', 'apac'), 'MRD-TEE-001', 2);
    expect(view.replica).toBe('apac');
    expect(view.version).toEqual({ enam: 0, weur: 0, apac: 1 });
    const { replicas } = await untilConverged(customer, 'us', [
      { sku: 'MRD-TEE-001', quantity: 2 },
    ]);
    expect(replicas.map((r) => r.id)).toEqual(['enam', 'weur', 'apac']);
    for (const r of replicas) expect(r.version).toEqual({ enam: 0, weur: 0, apac: 1 });
  });

  it('under a partition every replica keeps taking writes; after the heal they converge with no further write, adds summed', async () => {
    const customer = newCustomer();
    await partition();
    const us = await add(at(customer, 'us', 'us'), 'MRD-TEE-001', 2);
    const eu = await add(at(customer, 'us', 'eu'), 'MRD-TEE-001', 3);
    expect(us.items).toEqual([{ sku: 'MRD-TEE-001', quantity: 2 }]);
    expect(eu.items).toEqual([{ sku: 'MRD-TEE-001', quantity: 3 }]);
    // Long enough for the first messages and a few anti-entropy rounds to be dropped.
    await pause(600);
    expect((await cartAt(at(customer, 'us', 'us'))).items).toEqual([
      { sku: 'MRD-TEE-001', quantity: 2 },
    ]);
    const during = await inspect(customer, 'us');
    expect(during.find((r) => r.id === 'enam')?.behind.sort()).toEqual(['apac', 'weur']);
    await heal();
    const { replicas, elapsed_ms } = await untilConverged(customer, 'us', [
      { sku: 'MRD-TEE-001', quantity: 5 },
    ]);
    expect(elapsed_ms).toBeLessThan(5000);
    for (const r of replicas) expect(r.version).toEqual({ enam: 1, weur: 1, apac: 0 });
  });

  it('a remove deletes only what its replica had seen: a concurrent add at another replica survives', async () => {
    const customer = newCustomer();
    await add(at(customer, 'us', 'us'), 'MRD-MUG-003', 2);
    await untilConverged(customer, 'us', [{ sku: 'MRD-MUG-003', quantity: 2 }]);
    await partition();
    const removed = await carts.removeItem(at(customer, 'us', 'us'), 'MRD-MUG-003', meta());
    expect(removed.ok && removed.value.items).toEqual([]);
    await add(at(customer, 'us', 'apac'), 'MRD-MUG-003', 3);
    await heal();
    await untilConverged(customer, 'us', [{ sku: 'MRD-MUG-003', quantity: 3 }]);
  });

  it('a redelivered or reordered replication message changes nothing twice', async () => {
    const customer = newCustomer();
    const origin = replica(customer, 'us', 0);
    const sent = await recordSends(origin);
    await add(at(customer, 'us', 'us'), 'MRD-CAP-002', 1);
    await add(at(customer, 'us', 'us'), 'MRD-CAP-002', 4);
    // The replica answers after its commit and relays in the background.
    const forApac = () => sent.filter((s) => s.envelope.region === 'apac').map((s) => s.envelope);
    const toApac = await eventually(
      async () => forApac(),
      (e) => e.length >= 2,
    );
    expect(toApac).toHaveLength(2);
    expect(new Set(sent.map((s) => s.destination))).toEqual(new Set([REPLICATION_DESTINATION]));
    const [first, second] = toApac;
    if (!first || !second) throw new Error('two changes for apac');
    // The second change first, then both again: applied once each, in order.
    await deliver('meridian-cart-replication-apac', second, first, second, first);
    const view = await cartAt(at(customer, 'us', 'apac'));
    expect(view.items).toEqual([{ sku: 'MRD-CAP-002', quantity: 5 }]);
    expect(view.version).toEqual({ enam: 2, weur: 0, apac: 0 });
  });

  it('an eu customer has two replicas in eu at distinct hints, and every message they send goes on the eu queue', async () => {
    const customer = newCustomer();
    const sends = [
      await recordSends(replica(customer, 'eu', 0)),
      await recordSends(replica(customer, 'eu', 1)),
    ];
    const fromUs = await add(at(customer, 'eu', 'us'), 'MRD-TEE-001', 1);
    const fromApac = await add(at(customer, 'eu', 'apac'), 'MRD-TEE-001', 1);
    const fromEu = await add(at(customer, 'eu', 'eu'), 'MRD-TEE-001', 1);
    expect([fromUs.replica, fromApac.replica, fromEu.replica]).toEqual(['weur', 'eeur', 'weur']);
    const replicas = await inspect(customer, 'eu');
    expect(replicas.map((r) => [r.id, r.region])).toEqual([
      ['weur', 'eu'],
      ['eeur', 'eu'],
    ]);
    // Every change reaches the other eu replica (relayed after the answer).
    await eventually(
      async () => sends.flat(),
      (all) => all.length >= 3,
    );
    expect(sends.flat().length).toBeGreaterThanOrEqual(3);
    // queueSender sends each on CART_REPLICATION_<its envelope's region>: the eu queue.
    for (const s of sends.flat()) {
      expect(s.destination).toBe(REPLICATION_DESTINATION);
      expect(s.envelope.region).toBe('eu');
    }
  });

  it('a message for a replica outside the customer’s residency, or on another region’s queue, is refused', async () => {
    const customer = newCustomer();
    const message = { from: 'weur', to: 'eeur', vv: { weur: 1 }, kind: 'ack' as const };
    const envelope = (region: 'eu' | 'us', to = 'eeur') =>
      makeEnvelope({
        type: REPLICATION_MESSAGE,
        payload: { customerId: customer, home: 'eu', message: { ...message, to } },
        region,
        correlationId: `cart:${customer}`,
        traceparent: meta().traceparent,
      });
    const onUsQueue = await deliver('meridian-cart-replication-us', envelope('us'));
    expect(onUsQueue.explicitAcks).toEqual([]);
    const outsideEu = await deliver('meridian-cart-replication-eu', envelope('eu', 'enam'));
    expect(outsideEu.explicitAcks).toEqual([]);
    const fine = await deliver('meridian-cart-replication-eu', envelope('eu'));
    expect(fine.explicitAcks).toHaveLength(1);
  });
});
