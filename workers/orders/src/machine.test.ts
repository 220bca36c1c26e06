/**
 * Model-based property test of the saga: the pure machine runs against
 * simulated inventory and payments services over a network that reorders,
 * duplicates and delays messages, with deadlines and customer cancels fired at
 * random. Each command takes one of the effect runner's paths: its queue, or
 * the fast path (a direct call whose reply the saga applies later), where the
 * call may fail before reaching the owner or after the owner applied it (the
 * reply is lost), and the command then goes over its queue as well. Whatever
 * happens, once everything drains every saga is terminal, no stock is held or
 * lost, and money is conserved.
 */

import { INVENTORY_COMMANDS } from '@common/contracts/inventory';
import { isTerminal, MESSAGE } from '@common/contracts/orders';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answer, deliver, PATHS, placed, send, tick, timings } from '../test/saga-model';
import { decide, start } from './machine';

const step = fc.oneof(
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), duplicate: fc.boolean() }),
  fc.record({ kind: fc.constant('answer' as const), pick: fc.nat() }),
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
        // Every path alone, and every mix of them.
        fc.array(fc.constantFrom(...PATHS), { minLength: 1, maxLength: 12 }),
        (stock0, quantity, balance0, steps, paths) => {
          const world = placed(stock0, quantity, balance0, paths);
          // Adversarial phase: reorder, duplicate, fire deadlines and cancels.
          for (const s of steps) {
            if (s.kind === 'deliver' && world.network.length)
              deliver(world, s.pick % world.network.length, s.duplicate);
            else if (s.kind === 'answer' && world.direct.length)
              answer(world, s.pick % world.direct.length);
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
              world.direct.length ||
              !isTerminal(world.saga.status) ||
              world.saga.release === 'pending' ||
              world.saga.refund === 'pending');
            round++
          ) {
            while (world.network.length || world.direct.length) {
              if (world.direct.length) answer(world, 0);
              else deliver(world, 0, false);
            }
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

  it('with no fault, the fast path alone confirms: every reply is returned by its call, no command takes a queue', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), (quantity) => {
        const world = placed(quantity, quantity, 10 * quantity, ['direct']);
        while (world.direct.length) {
          expect(world.network).toEqual([]);
          answer(world, 0);
        }
        expect(world.saga.status).toBe('CONFIRMED');
        expect(world.network).toEqual([]);
        expect(world.sold).toBe(quantity);
        expect(world.balance).toBe(0);
      }),
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
