/**
 * Orders service: places orders by creating their saga Durable Object in the
 * customer's home region, answers order reads (strong, from the saga; or
 * eventual, from the read model), routes saga replies from the queue to their
 * saga, and projects order events into the per-region read model.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { SAGA_REPLIES_QUEUE } from '@common/commands';
import { consumeBatch, consumerOptions } from '@common/consumer';
import {
  ORDER_EVENTS_QUEUE,
  type OrderView,
  type PlaceOrderInput,
  PlaceOrderInputSchema,
} from '@common/contracts/orders';
import { isBookmark, readSession } from '@common/d1-session';
import { isolateSamples } from '@common/metrics/isolate';
import { fail, ok, type Result } from '@common/problem';
import {
  findInRegions,
  queueRegion,
  REGIONS,
  type Region,
  regionalStub,
  regionOfId,
} from '@common/regions';
import { type CallMeta, type HealthReport, healthReport, type MetricSample } from '@common/rpc';
import { orderSamples } from './metrics';
import {
  listOrders,
  type OrderSummary,
  ordersDb,
  project,
  queryOrders,
  type RegionOrdersQuery,
} from './projection';
import { sagaReplyOf } from './replies';
import type { OrderSaga, SagaInspection } from './saga';

export { OrderSaga } from './saga';

const notFound = (orderId: string) => fail(404, 'order_not_found', `no order ${orderId}`);

const clampLimit = (limit: number) => Math.min(Math.max(limit, 1), 100);

export default class OrdersService extends WorkerEntrypoint<OrdersEnv> {
  #saga(region: Region, orderId: string): DurableObjectStub<OrderSaga> {
    return regionalStub(this.env.ORDER_SAGA, region, orderId);
  }

  /** An order id names its region; placing one under another region is refused. */
  async placeOrder(input: PlaceOrderInput, meta: CallMeta): Promise<Result<OrderView>> {
    const parsed = PlaceOrderInputSchema.safeParse(input);
    if (!parsed.success)
      return fail(400, 'order_invalid', parsed.error.issues[0]?.message ?? 'invalid order');
    const { orderId, region } = parsed.data;
    if (regionOfId('ord', orderId) !== region)
      return fail(
        400,
        'order_id_region_mismatch',
        `order id ${orderId} does not name region ${region}`,
      );
    return ok(await this.#saga(region, orderId).place(parsed.data, meta));
  }

  /**
   * Strong read at the saga, in the one region the order id names. A
   * customer (`customerId`, `region` from their token) sees only their own
   * orders of their home region; an admin (both null) any order. Ids made
   * before they named their region are looked up in the given region, or
   * (admin) in every region. A saga that was never placed is not created.
   */
  async getOrder(
    orderId: string,
    region: Region | null,
    customerId: string | null,
    wait_ms = 0,
  ): Promise<Result<OrderView>> {
    const home = this.#homeOf(orderId, region);
    if (home === null) return notFound(orderId);
    const view =
      home === 'any'
        ? await this.#findInEveryRegion(orderId, (saga) => saga.view(wait_ms))
        : await this.#saga(home, orderId).view(wait_ms);
    if (!view || (customerId !== null && view.customerId !== customerId)) return notFound(orderId);
    return ok(view);
  }

  /** The region to ask: the id's (which must be the caller's, if given), the caller's for an old id, else every region. */
  #homeOf(orderId: string, region: Region | null): Region | 'any' | null {
    const named = regionOfId('ord', orderId);
    if (named) return region === null || region === named ? named : null;
    return region ?? 'any';
  }

  async #findInEveryRegion<T>(
    orderId: string,
    read: (saga: DurableObjectStub<OrderSaga>) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const found = await findInRegions((r) => read(this.#saga(r, orderId)));
    if (found.region === null && found.unreachable.length > 0)
      throw new Error(`order lookup: ${found.unreachable.join(', ')} did not answer`);
    return found.value ?? undefined;
  }

  async cancelOrder(
    orderId: string,
    region: Region,
    customerId: string,
  ): Promise<Result<OrderView>> {
    const home = this.#homeOf(orderId, region);
    if (home === null || home === 'any') return notFound(orderId);
    return this.#saga(home, orderId).cancel(customerId);
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

  /**
   * Operators: one region's read model, newest first, filtered by status and
   * customer, after a keyset position (the gateway gathers every region).
   */
  async listRegionOrders(region: Region, query: RegionOrdersQuery): Promise<OrderSummary[]> {
    // Eventual like the customers' list: the nearest replica serves it.
    return queryOrders(readSession(ordersDb(this.env, region)), query);
  }

  /** Admin inspection, at the region the order id names (every region for an id that names none). */
  async inspectSaga(orderId: string): Promise<Result<SagaInspection>> {
    const home = this.#homeOf(orderId, null);
    const saga =
      home === 'any'
        ? await this.#findInEveryRegion(orderId, (stub) => stub.inspect())
        : home && (await this.#saga(home, orderId).inspect());
    return saga ? ok(saga) : fail(404, 'saga_not_found', `no saga for order ${orderId}`);
  }

  /** For the gateway's /metrics: this isolate's counters and every region's orders by status. */
  async metrics(): Promise<MetricSample[]> {
    return [...isolateSamples(), ...(await orderSamples(this.env))];
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

  /** Replies to the saga, and order events into the read model; queues are per region. */
  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    const { topic } = queueRegion(batch.queue);
    if (topic === SAGA_REPLIES_QUEUE) {
      await consumeBatch(
        batch,
        async (envelope) => {
          const reply = sagaReplyOf(envelope);
          // The order id names the saga's region: a reply for another region's order is refused.
          const named = regionOfId('ord', reply.orderId);
          if (named && named !== envelope.region)
            throw new Error(`reply for ${reply.orderId} (${named}) in region ${envelope.region}`);
          return this.#saga(envelope.region, reply.orderId).handleReply(reply, batch.queue);
        },
        this.#consumeOptions(),
      );
      return;
    }
    if (topic === ORDER_EVENTS_QUEUE) {
      await consumeBatch(batch, (envelope) => project(this.env, envelope), this.#consumeOptions());
      return;
    }
    throw new Error(`orders does not consume ${batch.queue}`);
  }
}
