/**
 * Model-based property test of the saga: the pure machine runs against
 * simulated inventory and payments services over a network that reorders,
 * duplicates and delays messages, with deadlines and customer cancels fired at
 * random. Whatever happens, once the network drains every saga is terminal,
 * no stock is held or lost, and money is conserved.
 */

import { INVENTORY_COMMANDS } from '@common/contracts/inventory';
import {
  INVENTORY_COMMANDS_QUEUE,
  isTerminal,
  MESSAGE,
  PAYMENTS_COMMANDS_QUEUE,
} from '@common/contracts/orders';
import { PAYMENT_COMMANDS } from '@common/contracts/payments';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type Effect, type SagaState, type SagaTimings, start } from './machine';

const timings: SagaTimings = { step_ms: 1000, retry_ms: 300 };

interface World {
  now: number;
  saga: SagaState;
  network: Array<{
    to: 'inventory' | 'payments' | 'saga';
    type: string;
    payload: Record<string, unknown>;
  }>;
  stock: number;
  held: Map<string, number>;
  confirmed: Map<string, number>;
  sold: number;
  releasedIds: Set<string>;
  balance: number;
  captured: Map<string, number>;
  refunded: Set<string>;
  voided: Set<string>;
}

function send(world: World, effects: Effect[]): void {
  for (const e of effects) {
    if (e.destination === INVENTORY_COMMANDS_QUEUE)
      world.network.push({
        to: 'inventory',
        type: e.type,
        payload: e.payload as Record<string, unknown>,
      });
    if (e.destination === PAYMENTS_COMMANDS_QUEUE)
      world.network.push({
        to: 'payments',
        type: e.type,
        payload: e.payload as Record<string, unknown>,
      });
  }
}

const reply = (world: World, type: string): void => {
  world.network.push({ to: 'saga', type, payload: {} });
};

/**
 * Inventory: holds with tombstones, so a release that overtakes its reserve
 * still wins, and a release of a confirmed reservation returns its units
 * (the compensation of a cancel that raced the confirmation).
 */
function inventory(world: World, type: string, p: Record<string, unknown>): void {
  const id = String(p.reservationId);
  const qty = ((p.items as Array<{ quantity: number }> | undefined) ?? []).reduce(
    (s, i) => s + i.quantity,
    0,
  );
  if (type === INVENTORY_COMMANDS.reserveItems) {
    // Idempotent by reservation id, as the shard is: a redelivered reserve of
    // a held or confirmed reservation answers the same and holds nothing more.
    if (world.held.has(id) || world.confirmed.has(id)) {
      reply(world, MESSAGE.stockReserved);
      return;
    }
    if (world.releasedIds.has(id) || world.stock < qty) {
      reply(world, MESSAGE.stockUnavailable);
      return;
    }
    world.stock -= qty;
    world.held.set(id, qty);
    reply(world, MESSAGE.stockReserved);
    return;
  }
  if (type === INVENTORY_COMMANDS.confirmReservation) {
    const q = world.held.get(id);
    if (q === undefined) {
      reply(
        world,
        world.confirmed.has(id) ? MESSAGE.reservationConfirmed : MESSAGE.reservationConfirmFailed,
      );
      return;
    }
    world.held.delete(id);
    world.confirmed.set(id, q);
    world.sold += q;
    reply(world, MESSAGE.reservationConfirmed);
    return;
  }
  if (type === INVENTORY_COMMANDS.releaseReservation) {
    const q = world.held.get(id);
    if (q !== undefined) {
      world.held.delete(id);
      world.stock += q;
    }
    const sold = world.confirmed.get(id);
    if (sold !== undefined) {
      world.confirmed.delete(id);
      world.sold -= sold;
      world.stock += sold;
    }
    world.releasedIds.add(id);
    reply(world, MESSAGE.reservationReleased);
    return;
  }
}

/** Payments: captures at most once, refunds at most once, a refund before its capture voids it. */
function payments(world: World, type: string, p: Record<string, unknown>): void {
  const amount = Number(p.amount);
  if (type === PAYMENT_COMMANDS.capturePayment) {
    const op = String(p.operationId);
    if (world.captured.has(op)) {
      reply(world, MESSAGE.paymentCaptured);
      return;
    }
    if (world.voided.has(op) || world.balance < amount) {
      reply(world, MESSAGE.paymentDeclined);
      return;
    }
    world.balance -= amount;
    world.captured.set(op, amount);
    reply(world, MESSAGE.paymentCaptured);
    return;
  }
  if (type === PAYMENT_COMMANDS.compensateCapture) {
    const capture = String(p.captureOperationId);
    const paid = world.captured.get(capture);
    if (paid !== undefined && !world.refunded.has(capture)) {
      world.balance += paid;
      world.refunded.add(capture);
    } else if (paid === undefined) {
      world.voided.add(capture);
    }
    reply(world, MESSAGE.paymentRefunded);
    return;
  }
}

function deliver(world: World, index: number, duplicate: boolean): void {
  const [message] = duplicate ? [world.network[index]] : world.network.splice(index, 1);
  if (!message) return;
  if (message.to === 'inventory') inventory(world, message.type, message.payload);
  else if (message.to === 'payments') payments(world, message.type, message.payload);
  else {
    const d = decide(world.saga, { kind: 'reply', type: message.type }, world.now, timings);
    world.saga = d.state;
    send(world, d.effects);
  }
}

function tick(world: World, ms: number): void {
  world.now += ms;
  const d = decide(world.saga, { kind: 'deadline' }, world.now, timings);
  world.saga = d.state;
  send(world, d.effects);
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), duplicate: fc.boolean() }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2500 }) }),
  fc.record({ kind: fc.constant('cancel' as const) }),
);

describe('order saga machine (model-based)', () => {
  it('every saga reaches a terminal state, stock is never held or lost, and money is conserved', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(step, { maxLength: 60 }),
        (stock0, quantity, balance0, steps) => {
          const items = [{ sku: 'SKU-1', quantity, unitPrice: { amount: 10, currency: 'USD' } }];
          const first = start(
            { orderId: 'ord_1', customerId: 'cus_1', region: 'us', items },
            0,
            timings,
          );
          const world: World = {
            now: 0,
            saga: first.state,
            network: [],
            stock: stock0,
            held: new Map(),
            confirmed: new Map(),
            sold: 0,
            releasedIds: new Set(),
            balance: balance0,
            captured: new Map(),
            refunded: new Set(),
            voided: new Set(),
          };
          send(world, first.effects);
          // Adversarial phase: reorder, duplicate, fire deadlines and cancels.
          for (const s of steps) {
            if (s.kind === 'deliver' && world.network.length)
              deliver(world, s.pick % world.network.length, s.duplicate);
            else if (s.kind === 'tick') tick(world, s.ms);
            else if (s.kind === 'cancel') {
              const d = decide(world.saga, { kind: 'cancel' }, world.now, timings);
              world.saga = d.state;
              send(world, d.effects);
            }
          }
          // Fair phase: deliver everything, let deadlines fire, until quiet.
          for (
            let round = 0;
            round < 200 &&
            (world.network.length ||
              !isTerminal(world.saga.status) ||
              world.saga.release === 'pending' ||
              world.saga.refund === 'pending');
            round++
          ) {
            while (world.network.length) deliver(world, 0, false);
            tick(world, timings.step_ms);
          }
          const total = 10 * quantity;
          expect(isTerminal(world.saga.status)).toBe(true);
          expect(world.held.size).toBe(0);
          expect(world.stock + world.sold).toBe(stock0);
          if (world.saga.status === 'CONFIRMED') {
            expect(world.sold).toBe(quantity);
            expect(world.balance).toBe(balance0 - total);
          } else {
            expect(world.sold).toBe(0);
            expect(world.balance).toBe(balance0);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('a cancel after confirmation is a conflict and changes nothing', () => {
    const items = [{ sku: 'SKU-1', quantity: 1, unitPrice: { amount: 10, currency: 'USD' } }];
    let s = start({ orderId: 'ord_1', customerId: 'cus_1', region: 'us', items }, 0, timings).state;
    for (const type of [
      MESSAGE.stockReserved,
      MESSAGE.paymentCaptured,
      MESSAGE.reservationConfirmed,
    ]) {
      s = decide(s, { kind: 'reply', type }, 1, timings).state;
    }
    expect(s.status).toBe('CONFIRMED');
    const cancel = decide(s, { kind: 'cancel' }, 2, timings);
    expect(cancel.outcome).toBe('conflict');
    expect(cancel.effects).toEqual([]);
    expect(cancel.state).toBe(s);
  });

  it('out of stock rejects without compensation; a declined payment releases the hold', () => {
    const items = [{ sku: 'SKU-1', quantity: 1, unitPrice: { amount: 10, currency: 'USD' } }];
    const s0 = start(
      { orderId: 'ord_1', customerId: 'cus_1', region: 'us', items },
      0,
      timings,
    ).state;
    const rejected = decide(s0, { kind: 'reply', type: MESSAGE.stockUnavailable }, 1, timings);
    expect(rejected.state.status).toBe('REJECTED');
    expect(rejected.effects.map((e) => e.type)).toEqual([MESSAGE.orderStatusChanged]);

    const reserved = decide(s0, { kind: 'reply', type: MESSAGE.stockReserved }, 1, timings).state;
    const declined = decide(reserved, { kind: 'reply', type: MESSAGE.paymentDeclined }, 2, timings);
    expect(declined.state.status).toBe('COMPENSATING');
    expect(declined.effects.map((e) => e.type)).toContain(INVENTORY_COMMANDS.releaseReservation);
    const released = decide(
      declined.state,
      { kind: 'reply', type: MESSAGE.reservationReleased },
      3,
      timings,
    );
    expect(released.state.status).toBe('CANCELLED');
    expect(released.state.history.map((h) => h.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'COMPENSATING',
      'CANCELLED',
    ]);
  });
});
