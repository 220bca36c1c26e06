/**
 * Where an outbox row goes. A destination is either a queue binding name
 * (`INVENTORY_COMMANDS`) or a topic: every binding named `<TOPIC>__<SUBSCRIBER>`
 * receives the message. Subscribing to a topic is a wrangler.toml change
 * (a producer binding), never a code change in the publisher.
 *
 * Residency in flight: every destination exists once per region (one queue
 * per region per topic, `regionalBinding` in regions.ts), and a message goes
 * only to the bindings of its envelope's region. A missing regional binding
 * is an error, never a fallback to another region's queue.
 */
import type { Envelope } from './envelope';
import type { OutboxSender } from './outbox';
import { type Region, regionalBinding } from './regions';

function isQueue(value: unknown): value is Queue {
  return (
    typeof value === 'object' && value !== null && typeof (value as Queue).sendBatch === 'function'
  );
}

/** The queue(s) bound under `binding`: itself, or every `<binding>__<subscriber>`. */
export function queuesFor(env: object, binding: string): Queue[] {
  const bindings = env as Record<string, unknown>;
  const direct = bindings[binding];
  if (isQueue(direct)) return [direct];
  return Object.entries(bindings)
    .filter(([name, value]) => name.startsWith(`${binding}__`) && isQueue(value))
    .map(([, value]) => value as Queue);
}

/** The queue(s) of `destination` in `region`; throws when the region has none bound. */
export function regionalQueues(env: object, destination: string, region: Region): Queue[] {
  const queues = queuesFor(env, regionalBinding(destination, region));
  if (queues.length === 0)
    throw new Error(
      `no queue binding for destination ${destination} in region ${region} (${regionalBinding(destination, region)})`,
    );
  return queues;
}

/** An outbox sender that delivers each envelope to the queue(s) of its destination in its region. */
export function queueSender(env: object): OutboxSender {
  return async (destination: string, batch: Envelope[]) => {
    const byRegion = new Map<Region, Envelope[]>();
    for (const envelope of batch)
      byRegion.set(envelope.region, [...(byRegion.get(envelope.region) ?? []), envelope]);
    const sends = [...byRegion].flatMap(([region, envelopes]) => {
      const messages = envelopes.map((body) => ({ body, contentType: 'json' as const }));
      return regionalQueues(env, destination, region).map((q) => q.sendBatch(messages));
    });
    await Promise.all(sends);
  };
}
