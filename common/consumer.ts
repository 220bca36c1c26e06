/**
 * Queue consumption with the same rules everywhere: messages are acked one by
 * one, a failure retries only that message with exponential backoff, and on
 * the last attempt it is sent to the dead-letter queue of its region
 * annotated with its origin queue, error and attempts (the platform's own
 * dead-letter queue, configured with the same count, catches what this code
 * never sees, such as a crashed invocation).
 *
 * Residency: a regional queue (`…-eu`) carries only messages of its region; a
 * message whose envelope names another region is refused (and so, after its
 * attempts, dead-lettered) rather than applied.
 */
import type { Envelope } from './envelope';
import { EnvelopeSchema } from './envelope';
import { createLogger, errorMessage, type Logger } from './log';
import { queuesFor } from './queues';
import { queueRegion, type Region, regionalBinding, UNKNOWN_ORIGIN_REGION } from './regions';
import { injectConsumerFault } from './resilience/consumer-faults';

/** The dead-letter queue of a region, if the worker binds one. */
export type DeadLetterRoute = (region: Region) => Queue | undefined;

export interface ConsumeOptions {
  service: string;
  /** Backoff cap for retries. */
  retry_delay_s_max?: number;
  /** Where a message goes after `attempts_max` failed attempts, by region. */
  deadLetters?: DeadLetterRoute;
  /** Attempts before dead-lettering; keep equal to the queue's max_retries. */
  attempts_max?: number;
}

/** What the dead-letter queue carries when this code dead-letters a message. */
export interface DeadLetter {
  kind: 'dead_letter';
  queue: string;
  error: string;
  attempts: number;
  failedAt: string;
  body: unknown;
}

/**
 * The consumer options of a worker, from its bindings and vars: the
 * DEAD_LETTERS_<REGION> producers, QUEUE_MAX_ATTEMPTS (equal to its queues'
 * max_retries) and QUEUE_RETRY_DELAY_MAX_S.
 */
export function consumerOptions(service: string, env: object): ConsumeOptions {
  const deadLetters: DeadLetterRoute = (region) =>
    queuesFor(env, regionalBinding('DEAD_LETTERS', region))[0];
  return { service, deadLetters, ...consumeSettings(env) };
}

/** Consumer settings from a worker's vars (QUEUE_MAX_ATTEMPTS, QUEUE_RETRY_DELAY_MAX_S). */
function consumeSettings(env: object): Pick<ConsumeOptions, 'attempts_max' | 'retry_delay_s_max'> {
  const vars = env as Record<string, unknown>;
  const attempts = Number(vars.QUEUE_MAX_ATTEMPTS);
  const delay = Number(vars.QUEUE_RETRY_DELAY_MAX_S);
  return {
    ...(Number.isInteger(attempts) && attempts > 0 ? { attempts_max: attempts } : {}),
    ...(Number.isFinite(delay) && delay >= 0 ? { retry_delay_s_max: delay } : {}),
  };
}

export type ConsumeOutcome = 'applied' | 'duplicate' | 'ignored';
export type EnvelopeHandler = (envelope: Envelope) => Promise<ConsumeOutcome>;

export function retryDelay_s(attempts: number, cap_s = 300): number {
  return Math.min(cap_s, 2 ** Math.min(attempts, 16));
}

/** Where a failed message's region is read: its queue's, else its envelope's, else the strictest. */
function deadLetterRegion(queue: string, envelope: Envelope | undefined): Region {
  return queueRegion(queue).region ?? envelope?.region ?? UNKNOWN_ORIGIN_REGION;
}

/** Why a message may not be applied from this queue, if it may not. */
function refusal(queue: string, envelope: Envelope): string | undefined {
  const { region } = queueRegion(queue);
  if (region === null || envelope.region === region) return undefined;
  return `residency: a message of region ${envelope.region} on ${queue}, a queue of ${region}`;
}

/** Operator faults on the queue (`queue:<name>`) and on its topic in every region (`queue:<topic>`). */
async function injectFaults(queue: string, log: Logger): Promise<void> {
  await injectConsumerFault(queue, log);
  const { topic } = queueRegion(queue);
  if (topic !== queue) await injectConsumerFault(topic, log);
}

async function deadLetter(
  queue: Queue,
  batch: MessageBatch<unknown>,
  message: Message<unknown>,
  error: string,
): Promise<void> {
  const letter: DeadLetter = {
    kind: 'dead_letter',
    queue: batch.queue,
    error,
    attempts: message.attempts,
    failedAt: new Date().toISOString(),
    body: message.body,
  };
  await queue.send(letter, { contentType: 'json' });
}

export async function consumeBatch(
  batch: MessageBatch<unknown>,
  handle: EnvelopeHandler,
  { service, retry_delay_s_max = 300, deadLetters, attempts_max = 5 }: ConsumeOptions,
): Promise<void> {
  const base = createLogger({ service });
  for (const message of batch.messages) {
    const parsed = EnvelopeSchema.safeParse(message.body);
    const envelope = parsed.success ? (parsed.data as Envelope) : undefined;
    const log = base.with({
      traceparent: envelope?.traceparent,
      correlationId: envelope?.correlationId,
    });
    const fail = async (error: string) => {
      const letters = deadLetters?.(deadLetterRegion(batch.queue, envelope));
      if (letters && message.attempts >= attempts_max) {
        await deadLetter(letters, batch, message, error);
        message.ack();
        log.error('queue.message_dead_lettered', {
          queue: batch.queue,
          envelopeId: envelope?.id,
          attempts: message.attempts,
          error,
        });
        return;
      }
      const delay_s = retryDelay_s(message.attempts, retry_delay_s_max);
      log.error('queue.message_failed', {
        queue: batch.queue,
        envelopeId: envelope?.id,
        type: envelope?.type,
        attempts: message.attempts,
        delay_s,
        error,
      });
      message.retry({ delaySeconds: delay_s });
    };
    if (!envelope) {
      await fail(`malformed envelope: ${parsed.error?.issues[0]?.message ?? 'invalid'}`);
      continue;
    }
    const refused = refusal(batch.queue, envelope);
    if (refused) {
      await fail(refused);
      continue;
    }
    try {
      // Operator-injected faults (`queue:<name>` rules) fail or delay the delivery here.
      await injectFaults(batch.queue, log);
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
      await fail(errorMessage(error));
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
