/**
 * Orders service: places orders by creating their saga Durable Object in the
 * customer's home region, answers order reads (strong, from the saga; or
 * eventual, from the read model), routes saga replies from the queue to their
 * saga, and projects order events into the per-region read model.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { consumeBatch, consumerOptions } from '@common/consumer';
import {
  type OrderView,
  type PlaceOrderInput,
  PlaceOrderInputSchema,
} from '@common/contracts/orders';
import { isBookmark } from '@common/d1-session';
import { fail, ok, type Result } from '@common/problem';
import { REGIONS, type Region, regionalStub } from '@common/regions';
import { type CallMeta, type HealthReport, healthReport } from '@common/rpc';
import { listOrders, type OrderSummary, ordersDb, project } from './projection';
import { REPLIES_QUEUE, sagaReplyOf } from './replies';
import type { OrderSaga } from './saga';

export { OrderSaga } from './saga';

const EVENTS_QUEUE = 'meridian-order-events';

const clampLimit = (limit: number) => Math.min(Math.max(limit, 1), 100);

export default class OrdersService extends WorkerEntrypoint<OrdersEnv> {
  #saga(region: Region, orderId: string): DurableObjectStub<OrderSaga> {
    return regionalStub(this.env.ORDER_SAGA, region, orderId);
  }

  async placeOrder(input: PlaceOrderInput, meta: CallMeta): Promise<Result<OrderView>> {
    const parsed = PlaceOrderInputSchema.safeParse(input);
    if (!parsed.success)
      return fail(400, 'order_invalid', parsed.error.issues[0]?.message ?? 'invalid order');
    return ok(await this.#saga(parsed.data.region, parsed.data.orderId).place(parsed.data, meta));
  }

  /** Strong read at the saga. `customerId` null means an admin caller. */
  /**
   * Strong read at the saga. `customerId` null means an admin caller, and a
   * null region (an operator does not know it) asks every region.
   */
  async getOrder(
    orderId: string,
    region: Region | null,
    customerId: string | null,
    waitMs = 0,
  ): Promise<Result<OrderView>> {
    const home = region ?? (await this.#regionOf(orderId));
    const view = home ? await this.#saga(home, orderId).view(waitMs) : undefined;
    if (!view || (customerId !== null && view.customerId !== customerId)) {
      return fail(404, 'order_not_found', `no order ${orderId}`);
    }
    return ok(view);
  }

  async #regionOf(orderId: string): Promise<Region | undefined> {
    const views = await Promise.all(REGIONS.map((r) => this.#saga(r, orderId).view(0)));
    const index = views.findIndex((v) => v !== undefined);
    return index >= 0 ? REGIONS[index] : undefined;
  }

  async cancelOrder(
    orderId: string,
    region: Region,
    customerId: string,
  ): Promise<Result<OrderView>> {
    return this.#saga(region, orderId).cancel(customerId);
  }

  /** Eventual: from the region's read model, at or after `bookmark` when given (D1 sessions). */
  async listOrders(
    customerId: string,
    region: Region,
    limit = 50,
    bookmark?: string | null,
  ): Promise<Result<{ items: OrderSummary[]; bookmark: string | null }>> {
    if (bookmark !== undefined && bookmark !== null && !isBookmark(bookmark))
      return fail(400, 'bookmark_invalid', 'not a bookmark this API issued');
    return ok(await listOrders(this.env, region, customerId, clampLimit(limit), bookmark));
  }

  /** Operators: the most recent orders of one region's read model. */
  async listRegionOrders(region: Region, limit = 50): Promise<OrderSummary[]> {
    return (await listOrders(this.env, region, null, clampLimit(limit))).items;
  }

  /** Admin inspection; the order's region is unknown to an operator, so every region is asked. */
  async inspectSaga(orderId: string) {
    const found = await Promise.all(REGIONS.map((r) => this.#saga(r, orderId).inspect()));
    const saga = found.find((s) => s !== undefined);
    return saga ? ok(saga) : fail(404, 'saga_not_found', `no saga for order ${orderId}`);
  }

  async health(): Promise<HealthReport> {
    const probes = Object.fromEntries(
      REGIONS.map((region) => [
        `d1:${region}`,
        () => ordersDb(this.env, region).prepare('SELECT 1').first(),
      ]),
    );
    return healthReport('orders', probes);
  }

  #consumeOptions() {
    return consumerOptions('orders', this.env);
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    if (batch.queue === REPLIES_QUEUE) {
      await consumeBatch(
        batch,
        async (envelope) => {
          const reply = sagaReplyOf(envelope);
          if (!reply.type) return 'ignored';
          return this.#saga(envelope.region, reply.orderId).handleReply({
            ...envelope,
            type: reply.type,
            payload: { result: envelope.payload, reason: reply.reason ?? null },
          });
        },
        this.#consumeOptions(),
      );
      return;
    }
    if (batch.queue === EVENTS_QUEUE) {
      await consumeBatch(batch, (envelope) => project(this.env, envelope), this.#consumeOptions());
      return;
    }
    throw new Error(`orders does not consume ${batch.queue}`);
  }
}
