/** Fixtures for the carts tests: the service, replicas, faults and queue deliveries. */
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { CartRef } from '@common/contracts/carts';
import type { Envelope } from '@common/envelope';
import { newId } from '@common/ids';
import type { Region } from '@common/regions';
import { workerFaultRules } from '@common/resilience';
import type { CallMeta } from '@common/rpc';
import { eventually } from '../../../test/support/eventually';
import CartsService from '../src/index';
import { type ReplicaRef, replicaStub, replicasOf } from '../src/placement';
import type { CartReplica, ReplicaInspection } from '../src/replica';

/** The worker under test, typed as its entrypoint. */
export const carts = exports.default as unknown as Service<typeof CartsService>;

export const meta = (): CallMeta => ({
  requestId: newId('req'),
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
});

export const newCustomer = () => newId('cus');

export const at = (customerId: string, home: Region, serving: Region): CartRef => ({
  customerId,
  home,
  serving,
});

export async function add(ref: CartRef, sku: string, quantity: number) {
  const result = await carts.addItem(ref, { sku, quantity }, meta());
  if (!result.ok) throw new Error(`add: ${result.problem.code} ${result.problem.detail}`);
  return result.value;
}

export async function cartAt(ref: CartRef) {
  const result = await carts.getCart(ref);
  if (!result.ok) throw new Error(`get: ${result.problem.code}`);
  return result.value;
}

export async function inspect(customerId: string, home: Region): Promise<ReplicaInspection[]> {
  const result = await carts.inspectCart(customerId, home);
  if (!result.ok) throw new Error(`inspect: ${result.problem.code}`);
  return result.value;
}

/** Every replica holds `items` and no replica lacks another's changes. */
export const converged = (replicas: ReplicaInspection[], items: unknown) =>
  replicas.every((r) => JSON.stringify(r.items) === JSON.stringify(items) && r.behind.length === 0);

/** Polls until every replica holds `items` (bounded); returns the replicas and how long it took. */
export async function untilConverged(customerId: string, home: Region, items: unknown, ms = 8000) {
  const started = Date.now();
  const replicas = await eventually(
    () => inspect(customerId, home),
    (r) => converged(r, items),
    ms,
    25,
  );
  return { replicas, elapsed_ms: Date.now() - started };
}

/** Sets the operator's fault rules in the registry and makes this isolate read them now. */
export async function setFaults(
  rules: Array<{ target: string; kind: 'drop' | 'error'; rate: number }>,
) {
  await env.FAULT_REGISTRY.getByName('global').replace(rules);
  await workerFaultRules()?.refresh();
}

export const partition = () => setFaults([{ target: 'replication', kind: 'drop', rate: 1 }]);
export const heal = () => setFaults([]);

export function replica(
  customerId: string,
  home: Region,
  index: number,
): DurableObjectStub<CartReplica> {
  const ref = replicasOf(home)[index] as ReplicaRef;
  return replicaStub(env.CART_REPLICA, customerId, ref);
}

/** Records, instead of sending, every message a replica's outbox delivers. */
export async function recordSends(stub: DurableObjectStub<CartReplica>) {
  const sent: Array<{ destination: string; envelope: Envelope }> = [];
  await runInDurableObject(stub, (object: CartReplica) => {
    object.send = async (destination, batch) => {
      for (const envelope of batch) sent.push({ destination, envelope });
    };
  });
  return sent;
}

/** Delivers envelopes to the carts queue handler as `queue` would. */
export async function deliver(queue: string, ...envelopes: Envelope[]) {
  const ctx = createExecutionContext();
  const service = new CartsService(ctx, env);
  const batch = createMessageBatch(
    queue,
    envelopes.map((body, i) => ({
      id: `${body.id}-${i}-${Date.now()}`,
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  );
  await service.queue(batch);
  return getQueueResult(batch, ctx);
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
