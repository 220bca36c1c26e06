/**
 * Where an outbox row goes. A destination is either a queue binding name
 * (`INVENTORY_COMMANDS`) or a topic: every binding named `<TOPIC>__<SUBSCRIBER>`
 * receives the message. Subscribing to a topic is a wrangler.toml change
 * (a producer binding), never a code change in the publisher.
 */
import type { Envelope } from './envelope';
import type { OutboxSender } from './outbox';

function isQueue(value: unknown): value is Queue {
  return (
    typeof value === 'object' && value !== null && typeof (value as Queue).sendBatch === 'function'
  );
}

export function queuesFor(env: object, destination: string): Queue[] {
  const bindings = env as Record<string, unknown>;
  const direct = bindings[destination];
  if (isQueue(direct)) return [direct];
  return Object.entries(bindings)
    .filter(([name, value]) => name.startsWith(`${destination}__`) && isQueue(value))
    .map(([, value]) => value as Queue);
}

/** An outbox sender that delivers to the queue(s) of each destination. */
export function queueSender(env: object): OutboxSender {
  return async (destination: string, batch: Envelope[]) => {
    const queues = queuesFor(env, destination);
    if (queues.length === 0) throw new Error(`no queue binding for destination ${destination}`);
    const messages = batch.map((body) => ({ body, contentType: 'json' as const }));
    await Promise.all(queues.map((q) => q.sendBatch(messages)));
  };
}
