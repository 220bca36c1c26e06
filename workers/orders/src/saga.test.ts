import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { replyTo } from '@common/commands';
import { INVENTORY_COMMANDS } from '@common/contracts/inventory';
import { INVENTORY_COMMANDS_QUEUE, MESSAGE, type PlaceOrderInput } from '@common/contracts/orders';
import { PAYMENT_COMMANDS } from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';
import { newId } from '@common/ids';
import { ok } from '@common/problem';
import { type Region, regionalId, regionalStub } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import type { SagaReply } from './replies';
import type { OrderSaga } from './saga';
import { LOG_LIMIT_MAX } from './saga-store';

const testEnv = env as unknown as OrdersEnv;
// The runner is this worker; `exports` is typed for whichever worker declared it first.
const service = (exports as unknown as { default: Service<typeof import('./index').default> })
  .default;
const meta: CallMeta = {
  requestId: 'req_saga_test',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

function order(region: Region = 'us'): PlaceOrderInput {
  return {
    orderId: regionalId('ord', region),
    customerId: newId('cus'),
    region,
    items: [{ sku: 'SKU-SAGA', quantity: 2, unitPrice: { amount: 1250, currency: 'USD' } }],
  };
}

const stub = (o: PlaceOrderInput) =>
  regionalStub(testEnv.ORDER_SAGA, o.region, o.orderId) as DurableObjectStub<OrderSaga>;
const reply = (o: PlaceOrderInput, type: string): SagaReply => ({
  id: newId('msg'),
  orderId: o.orderId,
  type,
  result: {},
});
const queueOf = (o: PlaceOrderInput) => `meridian-saga-replies-${o.region}`;

/**
 * The saga alone: no fast path, and a queue that records what it is given
 * without delivering it, so the test is the only source of replies.
 */
async function isolated(o: PlaceOrderInput) {
  const sent: Array<{ destination: string; envelope: Envelope }> = [];
  await runInDurableObject(stub(o), (saga: OrderSaga) => {
    saga.fastPath = { ...saga.fastPath, enabled: false };
    saga.send = async (destination, batch) => {
      for (const envelope of batch) sent.push({ destination, envelope });
    };
  });
  return sent;
}

describe('order saga Durable Object', () => {
  it('placing persists PENDING with its reserve command delivered, and placing again changes nothing', async () => {
    const o = order();
    const sent = await isolated(o);
    const first = unwrapOk(await service.placeOrder(o, meta));
    const again = unwrapOk(await service.placeOrder(o, meta));
    expect(first.status).toBe('PENDING');
    expect(again).toEqual(first);
    const saga = await eventually(
      () => stub(o).inspect(),
      (s) => s?.undelivered.length === 0,
    );
    expect(saga?.undelivered).toEqual([]);
    expect(sent.filter((m) => m.destination === INVENTORY_COMMANDS_QUEUE)).toHaveLength(1);
    const commands = saga?.log.filter((l) => l.kind === 'command').map((l) => l.type);
    expect(commands).toEqual([INVENTORY_COMMANDS.reserveItems]);
    expect(saga?.traceparent).toBe(meta.traceparent);
    expect(first.total).toEqual({ amount: 2500, currency: 'USD' });
  });

  it('a reply delivered twice has no second effect', async () => {
    const o = order();
    await isolated(o);
    await service.placeOrder(o, meta);
    const once = reply(o, MESSAGE.stockReserved);
    expect(await stub(o).handleReply(once, queueOf(o))).toBe('applied');
    expect(await stub(o).handleReply(once, queueOf(o))).toBe('duplicate');
    const saga = await stub(o).inspect();
    expect(saga?.status).toBe('STOCK_RESERVED');
    expect(
      saga?.log.filter((l) => l.kind === 'command' && l.type === PAYMENT_COMMANDS.capturePayment),
    ).toHaveLength(1);
  });

  it('a missed deadline compensates, and an alarm that fires twice has no second effect', async () => {
    const o = order();
    await isolated(o);
    await service.placeOrder(o, meta);
    await stub(o).handleReply(reply(o, MESSAGE.stockReserved), queueOf(o));
    // Make the payment step overdue.
    await runInDurableObject(stub(o), (_i: OrderSaga, state) => {
      const row = state.storage.sql.exec<{ state: string }>('SELECT state FROM saga').one();
      const s = JSON.parse(row.state) as { deadlineAt: number };
      s.deadlineAt = Date.now() - 1;
      state.storage.sql.exec('UPDATE saga SET state = ?', JSON.stringify(s));
    });
    await runDurableObjectAlarm(stub(o));
    await runDurableObjectAlarm(stub(o));
    const saga = await stub(o).inspect();
    expect(saga?.status).toBe('COMPENSATING');
    expect(saga?.compensation).toEqual({ release: 'pending', refund: 'pending' });
    const transitions = saga?.log.filter((l) => l.kind === 'transition').map((l) => l.type);
    expect(transitions).toEqual(['PENDING', 'STOCK_RESERVED', 'COMPENSATING']);
    const commands = saga?.log.filter((l) => l.kind === 'command').map((l) => l.type);
    expect(commands).toEqual([
      INVENTORY_COMMANDS.reserveItems,
      PAYMENT_COMMANDS.capturePayment,
      INVENTORY_COMMANDS.releaseReservation,
      PAYMENT_COMMANDS.compensateCapture,
    ]);
  });

  it('waitMs long-polls until the saga is terminal', async () => {
    const o = order();
    await isolated(o);
    await service.placeOrder(o, meta);
    const waiting = service.getOrder(o.orderId, o.region, o.customerId, 5000);
    await new Promise((r) => setTimeout(r, 100));
    await stub(o).handleReply(reply(o, MESSAGE.stockUnavailable), queueOf(o));
    const result = unwrapOk(await waiting);
    expect(result.status).toBe('REJECTED');
    expect(result.history.map((h) => h.status)).toEqual(['PENDING', 'REJECTED']);
  });

  it("another customer's order is not found", async () => {
    const o = order();
    await service.placeOrder(o, meta);
    const other = await service.getOrder(o.orderId, o.region, newId('cus'), 0);
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.problem.status).toBe(404);
  });

  it('cancel after confirmation is a 409 conflict', async () => {
    const o = order();
    await isolated(o);
    await service.placeOrder(o, meta);
    for (const type of [
      MESSAGE.stockReserved,
      MESSAGE.paymentCaptured,
      MESSAGE.reservationConfirmed,
    ]) {
      await stub(o).handleReply(reply(o, type), queueOf(o));
    }
    const cancel = await service.cancelOrder(o.orderId, o.region, o.customerId);
    expect(cancel.ok).toBe(false);
    if (!cancel.ok) expect(cancel.problem.status).toBe(409);
  });

  it("the saga's events reach the read model of the order's own region only", async () => {
    const o = order('eu');
    await runInDurableObject(stub(o), (saga: OrderSaga) => {
      saga.fastPath = { ...saga.fastPath, enabled: false };
    });
    await service.placeOrder(o, meta);
    await stub(o).handleReply(reply(o, MESSAGE.stockUnavailable), queueOf(o));
    const list = await eventually(
      () => service.listOrders(o.customerId, 'eu').then((r) => (r.ok ? r.value.items : [])),
      (items) => items[0]?.status === 'REJECTED',
    );
    expect(list.map((i) => [i.orderId, i.status])).toEqual([[o.orderId, 'REJECTED']]);
    for (const other of ['ORDERS_DB_US', 'ORDERS_DB_APAC'] as const) {
      const row = await testEnv[other]
        .prepare('SELECT id FROM orders WHERE id = ?')
        .bind(o.orderId)
        .first();
      expect(row).toBeNull();
    }
  });
});

describe('the saga answers after commit and chooses the path of each command', () => {
  it('placing answers once committed, not once relayed: a queue that never answers does not hold it', async () => {
    const o = order();
    let giveUp = () => {};
    await runInDurableObject(stub(o), (saga: OrderSaga) => {
      saga.fastPath = { ...saga.fastPath, enabled: false };
      saga.send = () =>
        new Promise<void>((_, reject) => {
          giveUp = () => reject(new Error('queue timed out (test)'));
        });
    });
    const answered = await Promise.race([
      service.placeOrder(o, meta),
      new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 5000)),
    ]);
    expect(answered).toMatchObject({ ok: true, value: { status: 'PENDING' } });
    expect((await stub(o).inspect())?.undelivered.map((u) => u.type).sort()).toEqual([
      INVENTORY_COMMANDS.reserveItems,
      MESSAGE.orderStatusChanged,
    ]);
    // Settled from the object's own context: its I/O belongs to it.
    await runInDurableObject(stub(o), () => giveUp());
  });

  it('a reply that came by the fast path settles its command: the command is never also sent over its queue', async () => {
    const o = order();
    const sent = await isolated(o);
    const called: string[] = [];
    await runInDurableObject(stub(o), (saga: OrderSaga) => {
      saga.fastPath = { ...saga.fastPath, enabled: true };
      // The owners answer every command with success, directly.
      saga.direct = async (_destination, command) => {
        called.push(command.type);
        return replyTo(command, 'test.command_result', ok({}));
      };
    });
    await service.placeOrder(o, meta);
    const done = unwrapOk(await service.getOrder(o.orderId, o.region, o.customerId, 5000));
    expect(done.status).toBe('CONFIRMED');
    expect(called).toEqual([
      INVENTORY_COMMANDS.reserveItems,
      PAYMENT_COMMANDS.capturePayment,
      INVENTORY_COMMANDS.confirmReservation,
    ]);
    const saga = await eventually(
      () => stub(o).inspect(),
      (s) => s?.undelivered.length === 0,
    );
    // Only the events went to a queue; every reply came back on the call.
    expect(new Set(sent.map((m) => m.destination))).toEqual(new Set(['ORDER_EVENTS']));
    const replies = saga?.log.filter((l) => l.kind === 'reply');
    expect(replies?.map((l) => l.via)).toEqual(['fast_path', 'fast_path', 'fast_path']);
  });

  it('the terminal order event says how the replies came (analytics counts the fast path share); earlier events do not', async () => {
    const o = order();
    const sent = await isolated(o);
    await runInDurableObject(stub(o), (saga: OrderSaga) => {
      saga.fastPath = { ...saga.fastPath, enabled: true };
      // Reserve answers directly; capture and confirm fail over to their queues.
      saga.direct = async (_destination, command) => {
        if (command.type !== INVENTORY_COMMANDS.reserveItems) throw new Error('down (test)');
        return replyTo(command, 'test.command_result', ok({}));
      };
    });
    await service.placeOrder(o, meta);
    await eventually(
      async () => (await stub(o).inspect())?.status,
      (s) => s === 'STOCK_RESERVED',
    );
    for (const type of [MESSAGE.paymentCaptured, MESSAGE.reservationConfirmed])
      await stub(o).handleReply(reply(o, type), queueOf(o));
    const events = await eventually(
      async () =>
        sent
          .filter((m) => m.destination === 'ORDER_EVENTS')
          .map((m) => m.envelope.payload as { status: string; replies?: unknown }),
      (list) => list.some((e) => e.status === 'CONFIRMED'),
    );
    expect(events.find((e) => e.status === 'CONFIRMED')?.replies).toEqual({
      fastPath: 1,
      queue: 2,
    });
    expect(events.filter((e) => e.status !== 'CONFIRMED').every((e) => !e.replies)).toBe(true);
  });

  it('a direct call that fails sends its command over the queue, and the log says so', async () => {
    const o = order();
    const sent = await isolated(o);
    await runInDurableObject(stub(o), (saga: OrderSaga) => {
      saga.fastPath = { ...saga.fastPath, enabled: true };
      saga.direct = async () => {
        throw new Error('inventory unreachable (test)');
      };
    });
    await service.placeOrder(o, meta);
    await eventually(
      async () => sent.filter((m) => m.destination === INVENTORY_COMMANDS_QUEUE).length,
      (n) => n === 1,
    );
    const saga = await stub(o).inspect();
    expect(saga?.log.filter((l) => l.kind === 'fallback').map((l) => l.type)).toEqual([
      INVENTORY_COMMANDS.reserveItems,
    ]);
    // The queue's reply is applied as any reply, and recorded as having come by the queue.
    await stub(o).handleReply(reply(o, MESSAGE.stockReserved), queueOf(o));
    const after = await stub(o).inspect();
    expect(after?.log.filter((l) => l.kind === 'reply').map((l) => l.via)).toEqual(['queue']);
  });

  it("an operator's view of the log is bounded: the most recent entries, and how many are left out", async () => {
    const o = order();
    await isolated(o);
    await service.placeOrder(o, meta);
    await runInDurableObject(stub(o), (_saga: OrderSaga, state) => {
      for (let i = 0; i < LOG_LIMIT_MAX + 50; i++) {
        state.storage.sql.exec(
          "INSERT INTO saga_log (at, kind, type, detail) VALUES (?, 'deadline', 'deadline', '{}')",
          Date.now(),
        );
      }
    });
    const saga = await stub(o).inspect();
    expect(saga?.log).toHaveLength(LOG_LIMIT_MAX);
    expect(saga?.logOmitted).toBeGreaterThanOrEqual(50);
    const seqs = saga?.log.map((l) => l.seq) ?? [];
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});

function unwrapOk<T>(result: { ok: true; value: T } | { ok: false; problem: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.problem)}`);
  return result.value;
}
