/**
 * Carts service: multi-leader carts. Every read and write goes to the
 * replica serving the request's region (placement.ts); replicas converge by
 * CRDT merge (crdt.ts, replication.ts) over per-region queues. A checkout
 * records the lines it takes at the primary replica; the order's
 * confirmation (an order event) takes exactly those out of the cart.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { consumeBatch, consumerOptions } from '@common/consumer';
import {
  type CartItemInput,
  CartItemInputSchema,
  type CartRef,
  type CartView,
  type CheckoutLines,
} from '@common/contracts/carts';
import { ORDER_ID_PATTERN } from '@common/contracts/orders';
import { createLogger } from '@common/log';
import { isolateSamples } from '@common/metrics/isolate';
import { fail, ok, type Result } from '@common/problem';
import { isRegion, queueRegion, REGIONS, type Region, regionalBinding } from '@common/regions';
import { type CallMeta, type HealthReport, healthReport, type MetricSample } from '@common/rpc';
import { cartConfig } from './config';
import { deliverReplication, ORDER_EVENTS_TOPIC, settleCheckout } from './consumer';
import { refuseCheckout } from './limits';
import { REPLICATION_DESTINATION, REPLICATION_TOPIC } from './messages';
import { primaryOf, type ReplicaRef, replicaStub, replicasOf, servingReplica } from './placement';
import type { CartReplica, ReplicaInspection } from './replica';

export { CartReplica } from './replica';

const CUSTOMER_ID = /^cus_[0-9A-Z]{26}$/;

function invalidRef(ref: CartRef): string | null {
  if (!CUSTOMER_ID.test(ref.customerId)) return 'not a customer id';
  if (!isRegion(ref.home) || !isRegion(ref.serving)) return 'unknown region';
  return null;
}

export default class CartsService extends WorkerEntrypoint<CartsEnv> {
  #replica(customerId: string, replica: ReplicaRef): DurableObjectStub<CartReplica> {
    return replicaStub(this.env.CART_REPLICA, customerId, replica);
  }

  /** The replica serving `ref`, with its address. */
  #serving(ref: CartRef) {
    const replica = servingReplica(ref.home, ref.serving);
    return {
      stub: this.#replica(ref.customerId, replica),
      address: { customerId: ref.customerId, home: ref.home, replica: replica.id },
    };
  }

  /** The cart as the serving region's replica holds it. */
  async getCart(ref: CartRef): Promise<Result<CartView>> {
    const invalid = invalidRef(ref);
    if (invalid) return fail(400, 'cart_invalid', invalid);
    const { stub, address } = this.#serving(ref);
    return ok(await stub.view(address));
  }

  /** Adds at the serving replica (the SKU is checked against the catalog by the caller). */
  async addItem(ref: CartRef, item: CartItemInput, meta: CallMeta): Promise<Result<CartView>> {
    const invalid = invalidRef(ref);
    const parsed = CartItemInputSchema.safeParse(item);
    if (invalid || !parsed.success)
      return fail(
        400,
        'cart_item_invalid',
        invalid ?? parsed.error?.issues[0]?.message ?? 'invalid',
      );
    const { stub, address } = this.#serving(ref);
    return stub.add(address, parsed.data.sku, parsed.data.quantity, meta);
  }

  /** Removes the line as the serving replica sees it. */
  async removeItem(ref: CartRef, sku: string, meta: CallMeta): Promise<Result<CartView>> {
    const invalid = invalidRef(ref);
    if (invalid || sku.length === 0 || sku.length > 64)
      return fail(400, 'cart_item_invalid', invalid ?? 'a sku has 1 to 64 characters');
    const { stub, address } = this.#serving(ref);
    return ok(await stub.remove(address, sku, meta));
  }

  /**
   * Takes the serving replica's lines for order `orderId` and records them
   * (and the counters they come from) at the primary replica. A retry of the
   * same order gets the lines recorded first, whatever the cart holds now.
   */
  async checkout(ref: CartRef, orderId: string): Promise<Result<CheckoutLines>> {
    const invalid = invalidRef(ref);
    if (invalid || !ORDER_ID_PATTERN.test(orderId))
      return fail(400, 'checkout_invalid', invalid ?? 'not an order id');
    const primary = primaryOf(ref.home);
    const primaryStub = this.#replica(ref.customerId, primary);
    const primaryAddress = { customerId: ref.customerId, home: ref.home, replica: primary.id };
    const { stub, address } = this.#serving(ref);
    const { items, snapshot } = await stub.snapshot(address);
    const refused = refuseCheckout(items, cartConfig(this.env));
    if (refused) return { ok: false, problem: refused };
    const stored = await primaryStub.recordCheckout(primaryAddress, { orderId, items, snapshot });
    return ok({ orderId, items: stored.items });
  }

  /** Operators: every replica of a customer's cart, and whether they agree. */
  async inspectCart(customerId: string, home: Region): Promise<Result<ReplicaInspection[]>> {
    if (!CUSTOMER_ID.test(customerId) || !isRegion(home))
      return fail(400, 'cart_invalid', 'a customer id and a region');
    const replicas = replicasOf(home);
    return ok(
      await Promise.all(
        replicas.map((r) =>
          this.#replica(customerId, r).inspect({ customerId, home, replica: r.id }),
        ),
      ),
    );
  }

  /** For the gateway's /metrics: this isolate's age and its queue consumers' outcomes. */
  async metrics(): Promise<MetricSample[]> {
    return isolateSamples();
  }

  async health(): Promise<HealthReport> {
    const probes = Object.fromEntries(
      REGIONS.map((region) => [
        `queue:${region}`,
        async () => {
          const binding = regionalBinding(REPLICATION_DESTINATION, region);
          if (!Reflect.get(this.env, binding)) throw new Error(`${binding} is not bound`);
        },
      ]),
    );
    return healthReport('carts', probes);
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    const options = consumerOptions('carts', this.env);
    // Every carts queue is regional; consumeBatch refuses a message of another region.
    const { topic, region } = queueRegion(batch.queue);
    if (topic === REPLICATION_TOPIC && region) {
      const log = createLogger({ service: 'carts' });
      await consumeBatch(
        batch,
        (envelope) => deliverReplication(this.env, region, envelope, log),
        options,
      );
      return;
    }
    if (topic === ORDER_EVENTS_TOPIC && region) {
      await consumeBatch(batch, (envelope) => settleCheckout(this.env, envelope), options);
      return;
    }
    throw new Error(`carts does not consume ${batch.queue}`);
  }
}
