/**
 * Helpers for the orders tests that run sagas against the real inventory and
 * payments workers (auxiliary workers, bound to the runner as INVENTORY and
 * PAYMENTS) and the real queues.
 */
import { createExecutionContext, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { OrderView, PlaceOrderInput } from '@common/contracts/orders';
import { newId } from '@common/ids';
import type { Result } from '@common/problem';
import { type Region, regionalId, regionalStub } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { expect } from 'vitest';
import { recordPlacements } from '../../../test/support/placement';
import type { DirectCall } from '../src/fast-path';
import OrdersService from '../src/index';
import type { OrderSaga } from '../src/saga';

export const testEnv = env as unknown as OrdersEnv;
// The runner is this worker; `exports` is typed for whichever worker declared it first.
export const orders = (
  exports as unknown as { default: Service<typeof import('../src/index').default> }
).default;

export const meta = (): CallMeta => ({
  requestId: newId('req'),
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
});

export const PRICE = 1000;

export function unwrapOk<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.problem)}`);
  return result.value;
}

/** A fresh SKU with `quantity` units in `region`'s warehouse. */
export async function stockedSku(region: Region, quantity: number): Promise<string> {
  const sku = `FP-${newId('op').slice(-10)}`;
  unwrapOk(
    await testEnv.INVENTORY.restock({ sku, region, quantity, operationId: newId('op') }, meta()),
  );
  return sku;
}

/** A fresh customer of `region` with `amount` in their account. */
export async function fundedCustomer(region: Region, amount: number): Promise<string> {
  const customerId = newId('cus');
  unwrapOk(await testEnv.PAYMENTS.openAccount({ customerId, region }, meta()));
  if (amount > 0) {
    unwrapOk(
      await testEnv.PAYMENTS.deposit(
        { customerId, region, amount, operationId: newId('op') },
        meta(),
      ),
    );
  }
  return customerId;
}

export function orderOf(customerId: string, region: Region, sku: string, quantity: number) {
  return {
    orderId: regionalId('ord', region),
    customerId,
    region,
    items: [{ sku, quantity, unitPrice: { amount: PRICE, currency: 'USD' } }],
  } satisfies PlaceOrderInput;
}

export const sagaOf = (o: PlaceOrderInput) =>
  regionalStub(testEnv.ORDER_SAGA, o.region, o.orderId) as DurableObjectStub<OrderSaga>;

/** Places the order and waits (long-poll) until it is terminal. */
export async function placeAndSettle(o: PlaceOrderInput): Promise<OrderView> {
  unwrapOk(await orders.placeOrder(o, meta()));
  const view = unwrapOk(await orders.getOrder(o.orderId, o.region, o.customerId, 10_000));
  expect(['CONFIRMED', 'REJECTED', 'CANCELLED']).toContain(view.status);
  return view;
}

/**
 * The owners apply the commands of these types and then the call fails: the
 * reply is lost after the effect (the shard or ledger throws after applying).
 */
export async function loseRepliesAfterApply(o: PlaceOrderInput, types: readonly string[]) {
  await runInDurableObject(sagaOf(o), (saga: OrderSaga) => {
    const real: DirectCall = saga.direct;
    saga.direct = async (destination, command) => {
      const answer = await real(destination, command);
      if (types.includes(command.type))
        throw new Error(`${command.type} applied, then the call failed (test)`);
      return answer;
    };
  });
}

export async function stockOf(sku: string, region: Region) {
  return unwrapOk(await testEnv.INVENTORY.getStock(sku, region));
}

export async function ledgerOf(customerId: string, region: Region) {
  const account = unwrapOk(await testEnv.PAYMENTS.getAccount({ customerId, region }, meta()));
  const page = unwrapOk(await testEnv.PAYMENTS.accountEvents({ customerId, region, limit: 500 }));
  const count = (type: string) => page.events.filter((e) => e.type === type).length;
  return {
    balance: account.balance.amount,
    captures: count('PaymentCaptured'),
    refunds: count('PaymentRefunded'),
  };
}

/** An orders service whose saga namespace records where each stub is placed. */
export function recordedOrders() {
  const recorded = recordPlacements(testEnv.ORDER_SAGA);
  const service = new OrdersService(createExecutionContext(), {
    ...testEnv,
    ORDER_SAGA: recorded.namespace,
  });
  return { service, placements: recorded.placements };
}
