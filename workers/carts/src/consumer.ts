/**
 * The carts service's queues, one per region each: replica-to-replica
 * messages and the order events that end checkouts.
 *
 * The operator's `replication` fault rule partitions the replicas here, at
 * the consumer: `drop` discards the message (acknowledged, never applied: a
 * lost message, which anti-entropy must make up for), `error` fails the
 * delivery (the queue retries it), `latency` delays it.
 */
import type { ConsumeOutcome } from '@common/consumer';
import { MESSAGE, OrderSnapshotSchema } from '@common/contracts/orders';
import type { Envelope } from '@common/envelope';
import type { Logger } from '@common/log';
import type { Region } from '@common/regions';
import { InjectedFaultError, injectFaults, workerFaultRules } from '@common/resilience';
import { REPLICATION_MESSAGE, ReplicationPayloadSchema } from './messages';
import { primaryOf, replicaById, replicaStub } from './placement';
import type { Message } from './replication';

/** The fault target that partitions cart replicas. */
export const REPLICATION_TARGET = 'replication';
/** The topic of the carts' order-event queues (`meridian-cart-order-events-<region>`). */
export const ORDER_EVENTS_TOPIC = 'meridian-cart-order-events';

/** When this isolate's copy of the rules last came back from the registry. */
let refreshedAt = Number.NEGATIVE_INFINITY;

/**
 * The live `replication` rules, never older than the cache interval. The
 * shared cache lets a request use an old copy while another request reads
 * the registry, so the first messages after a quiet spell would slip through
 * a partition the operator set seconds ago; a partition must start and end
 * when the operator says, so a delivery that finds the copy old reads it
 * itself (at most one read per interval while messages flow).
 */
async function replicationRules(env: CartsEnv) {
  const faults = workerFaultRules();
  if (!faults) return [];
  const interval_ms = Math.min(Number(Reflect.get(env, 'FAULTS_CACHE_MS')) || 1000, 2000);
  if (Date.now() - refreshedAt >= interval_ms) {
    await faults.refresh();
    refreshedAt = Date.now();
  }
  return faults.forTarget(REPLICATION_TARGET);
}

/** Applies the live `replication` rules to one delivery: 'drop' when the message is lost. */
async function replicationFault(env: CartsEnv, log: Logger): Promise<'drop' | 'pass'> {
  const rules = await replicationRules(env);
  if (rules.length === 0) return 'pass';
  try {
    await injectFaults(REPLICATION_TARGET, rules, { log, drop_ms_max: 0 });
    return 'pass';
  } catch (error) {
    if (error instanceof InjectedFaultError && error.kind === 'drop') return 'drop';
    throw error;
  }
}

/** One replication message, delivered to the replica it is for. */
export async function deliverReplication(
  env: CartsEnv,
  queueRegion: Region,
  envelope: Envelope,
  log: Logger,
): Promise<ConsumeOutcome> {
  if (envelope.type !== REPLICATION_MESSAGE) return 'ignored';
  const { customerId, home, message } = ReplicationPayloadSchema.parse(envelope.payload);
  const to = replicaById(home, message.to);
  // Residency: a message travels only on the queue of its replica's region,
  // and only between replicas the customer's home region allows.
  if (!to || !replicaById(home, message.from) || to.region !== queueRegion)
    throw new Error(
      `cart message ${message.from}→${message.to} of a ${home} customer on the ${queueRegion} queue`,
    );
  if ((await replicationFault(env, log)) === 'drop') {
    log.warn('cart.replication_dropped', { customerId, from: message.from, to: message.to });
    return 'ignored';
  }
  await replicaStub(env.CART_REPLICA, customerId, to).receive(
    { customerId, home, replica: to.id },
    message as Message,
    envelope.traceparent,
  );
  return 'applied';
}

/** An order event: a CONFIRMED order takes its checkout's lines out; a failed one leaves them. */
export async function settleCheckout(env: CartsEnv, envelope: Envelope): Promise<ConsumeOutcome> {
  if (envelope.type !== MESSAGE.orderStatusChanged) return 'ignored';
  const order = OrderSnapshotSchema.parse(envelope.payload);
  const primary = primaryOf(order.region);
  const stub = replicaStub(env.CART_REPLICA, order.customerId, primary);
  const address = { customerId: order.customerId, home: order.region, replica: primary.id };
  if (order.status === 'CONFIRMED')
    return stub.completeCheckout(address, order.orderId, envelope.traceparent);
  if (order.status === 'REJECTED' || order.status === 'CANCELLED')
    return stub.abandonCheckout(order.orderId);
  return 'ignored';
}
