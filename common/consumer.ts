/**
 * Queue consumption with the same rules everywhere: messages are acked one by
 * one, a failure retries only that message with exponential backoff, and after
 * the queue's `max_retries` it goes to the dead-letter queue.
 */
import type { Envelope } from './envelope';
import { EnvelopeSchema } from './envelope';
import { createLogger, errorMessage } from './log';
import { injectConsumerFault } from './resilience/consumer-faults';

export interface ConsumeOptions {
  service: string;
  /** Backoff cap for retries. */
  retry_delay_s_max?: number;
}

export type ConsumeOutcome = 'applied' | 'duplicate' | 'ignored';
export type EnvelopeHandler = (envelope: Envelope) => Promise<ConsumeOutcome>;

export function retryDelaySeconds(attempts: number, cap = 300): number {
  return Math.min(cap, 2 ** Math.min(attempts, 16));
}

export async function consumeBatch(
  batch: MessageBatch<unknown>,
  handle: EnvelopeHandler,
  { service, retry_delay_s_max = 300 }: ConsumeOptions,
): Promise<void> {
  const base = createLogger({ service });
  for (const message of batch.messages) {
    const parsed = EnvelopeSchema.safeParse(message.body);
    const envelope = parsed.success ? (parsed.data as Envelope) : undefined;
    const log = base.with({
      traceparent: envelope?.traceparent,
      correlationId: envelope?.correlationId,
    });
    if (!envelope) {
      log.error('queue.message_malformed', { queue: batch.queue, messageId: message.id });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, retry_delay_s_max) });
      continue;
    }
    try {
      // Operator-injected faults (`queue:<name>` rules) fail or delay the delivery here.
      await injectConsumerFault(batch.queue, log);
      const outcome = await handle(envelope);
      message.ack();
      log.info('queue.message_processed', {
        queue: batch.queue,
        envelopeId: envelope.id,
        type: envelope.type,
        outcome,
        attempts: message.attempts,
      });
    } catch (error) {
      const delaySeconds = retryDelaySeconds(message.attempts, retry_delay_s_max);
      log.error('queue.message_failed', {
        queue: batch.queue,
        envelopeId: envelope.id,
        type: envelope.type,
        attempts: message.attempts,
        delaySeconds,
        error: errorMessage(error),
      });
      message.retry({ delaySeconds });
    }
  }
}

/**
 * Applies `effects` and the inbox record for `messageId` in one D1 batch
 * (a transaction). A duplicate id violates the inbox key, the batch rolls
 * back, and the delivery is reported as a duplicate with no second effect.
 */
export async function applyOnceD1(
  db: D1Database,
  consumer: string,
  messageId: string,
  effects: D1PreparedStatement[],
): Promise<'applied' | 'duplicate'> {
  const claim = db
    .prepare('INSERT INTO inbox (consumer, message_id, processed_at) VALUES (?, ?, ?)')
    .bind(consumer, messageId, Date.now());
  try {
    await db.batch([claim, ...effects]);
    return 'applied';
  } catch (error) {
    if (/UNIQUE constraint failed: inbox/i.test(errorMessage(error))) return 'duplicate';
    throw error;
  }
}
