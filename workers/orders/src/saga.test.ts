import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { INVENTORY_COMMANDS } from '@common/contracts/inventory';
import { MESSAGE, type PlaceOrderInput } from '@common/contracts/orders';
import { PAYMENT_COMMANDS } from '@common/contracts/payments';
import { makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { type Region, regionalStub } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import type { OrderSaga } from './saga';

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
    orderId: newId('ord'),
    customerId: newId('cus'),
    region,
    items: [{ sku: 'SKU-SAGA', quantity: 2, unitPrice: { amount: 1250, currency: 'USD' } }],
  };
}

const stub = (o: PlaceOrderInput) =>
  regionalStub(testEnv.ORDER_SAGA, o.region, o.orderId) as DurableObjectStub<OrderSaga>;
const reply = (o: PlaceOrderInput, type: string) =>
  makeEnvelope({
    type,
    payload: { orderId: o.orderId },
    region: o.region,
    correlationId: o.orderId,
    traceparent: meta.traceparent,
  });

describe('order saga Durable Object', () => {
  it('placing persists PENDING with its reserve command delivered, and placing again changes nothing', async () => {
    const o = order();
    const first = unwrapOk(await service.placeOrder(o, meta));
    const again = unwrapOk(await service.placeOrder(o, meta));
    expect(first.status).toBe('PENDING');
    expect(again).toEqual(first);
    const saga = await stub(o).inspect();
    expect(saga?.undelivered).toEqual([]);
    const commands = saga?.log.filter((l) => l.kind === 'command').map((l) => l.type);
    expect(commands).toEqual([INVENTORY_COMMANDS.reserveItems]);
    expect(saga?.traceparent).toBe(meta.traceparent);
    expect(first.total).toEqual({ amount: 2500, currency: 'USD' });
  });

  it('a reply delivered twice has no second effect', async () => {
    const o = order();
    await service.placeOrder(o, meta);
    const envelope = reply(o, MESSAGE.stockReserved);
    expect(await stub(o).handleReply(envelope)).toBe('applied');
    expect(await stub(o).handleReply(envelope)).toBe('duplicate');
    const saga = await stub(o).inspect();
    expect(saga?.status).toBe('STOCK_RESERVED');
    expect(
      saga?.log.filter((l) => l.kind === 'command' && l.type === PAYMENT_COMMANDS.capturePayment),
    ).toHaveLength(1);
  });

  it('a missed deadline compensates, and an alarm that fires twice has no second effect', async () => {
    const o = order();
    await service.placeOrder(o, meta);
    await stub(o).handleReply(reply(o, MESSAGE.stockReserved));
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
    await service.placeOrder(o, meta);
    const waiting = service.getOrder(o.orderId, o.region, o.customerId, 5000);
    await new Promise((r) => setTimeout(r, 100));
    await stub(o).handleReply(reply(o, MESSAGE.stockUnavailable));
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
    await service.placeOrder(o, meta);
    for (const type of [
      MESSAGE.stockReserved,
      MESSAGE.paymentCaptured,
      MESSAGE.reservationConfirmed,
    ]) {
      await stub(o).handleReply(reply(o, type));
    }
    const cancel = await service.cancelOrder(o.orderId, o.region, o.customerId);
    expect(cancel.ok).toBe(false);
    if (!cancel.ok) expect(cancel.problem.status).toBe(409);
  });

  it("the saga's events reach the read model of the order's own region only", async () => {
    const o = order('eu');
    await service.placeOrder(o, meta);
    await stub(o).handleReply(reply(o, MESSAGE.stockUnavailable));
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

function unwrapOk<T>(result: { ok: true; value: T } | { ok: false; problem: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.problem)}`);
  return result.value;
}
