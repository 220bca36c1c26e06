/**
 * Commands of orchestrated sagas (DESIGN §5). A service runs each command
 * through the same idempotent code as its RPC, whichever way it came: called
 * directly by the saga (the fast path, `answerDirectly`: the answer is the
 * call's return value) or consumed from its command queue (the fallback,
 * `answerCommand`: the answer is one result event on the saga's replies
 * queue). The reply's id is derived from the command's, so a command applied
 * directly and redelivered over the queue, or redelivered after its reply
 * was sent, produces the same reply id and the saga's inbox drops the duplicate.
 */
import type { ConsumeOutcome } from './consumer';
import { type Envelope, EnvelopeSchema } from './envelope';
import type { ProblemSpec, Result } from './problem';
import type { CallMeta } from './rpc';

/** Topic of the saga's replies (queue `meridian-saga-replies-<region>`, producer `SAGA_REPLIES_<REGION>`). */
export const SAGA_REPLIES_QUEUE = 'meridian-saga-replies';
/** Destination of the saga's replies in a service's outbox sender. */
export const SAGA_REPLIES = 'SAGA_REPLIES';

export interface CommandResult<T = unknown> {
  /** The command envelope this answers. */
  commandId: string;
  commandType: string;
  ok: boolean;
  value?: T;
  problem?: ProblemSpec;
}

/** The result event answering `command`; same command id, same reply id. */
export function replyTo<T>(
  command: Envelope,
  type: string,
  result: Result<T>,
): Envelope<CommandResult<T>> {
  return {
    id: `${command.id}:reply`,
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    causationId: command.id,
    correlationId: command.correlationId,
    traceparent: command.traceparent,
    region: command.region,
    payload: {
      commandId: command.id,
      commandType: command.type,
      ok: result.ok,
      ...(result.ok ? { value: result.value } : { problem: result.problem }),
    },
  };
}

/** A failure the sender may retry as is (the service was unavailable), not a decision. */
export function isTransient(result: Result<unknown>): boolean {
  return !result.ok && result.problem.status >= 500;
}

/** Runs one command through its handler, by type. */
export type CommandHandlers = Record<
  string,
  (payload: unknown, meta: CallMeta) => Promise<Result<unknown>>
>;

/**
 * The one way a service answers a saga command: run it, retry it through the
 * queue when the service itself was unavailable (unless `answerTransient`
 * says the failure is the answer, e.g. a reserve whose holds were released),
 * otherwise send one result event. Unknown command types are ignored.
 */
export async function answerCommand(
  envelope: Envelope,
  handlers: CommandHandlers,
  resultType: string,
  reply: (reply: Envelope) => Promise<void>,
  answerTransient: (type: string) => boolean = () => false,
): Promise<ConsumeOutcome> {
  const handler = handlers[envelope.type];
  if (!handler) return 'ignored';
  const meta: CallMeta = { requestId: envelope.id, traceparent: envelope.traceparent };
  const result = await handler(envelope.payload, meta);
  if (isTransient(result) && !answerTransient(envelope.type)) {
    throw new Error(`${envelope.type} not done yet: ${result.ok ? '' : result.problem.detail}`);
  }
  await reply(replyTo(envelope, resultType, result));
  return 'applied';
}

/**
 * The fast path's entry: runs `command` through the service's own command
 * handling (`run`, the same function its queue consumer calls) and returns
 * the reply it would have sent. Throws when the command is not done (the
 * service was unavailable: the saga falls back to the queue, which retries)
 * or unknown to the service.
 */
export async function answerDirectly(
  command: Envelope,
  run: (command: Envelope, reply: (reply: Envelope) => Promise<void>) => Promise<ConsumeOutcome>,
): Promise<Envelope<CommandResult>> {
  let answer: Envelope | undefined;
  const outcome = await run(EnvelopeSchema.parse(command) as Envelope, async (reply) => {
    answer = reply;
  });
  if (outcome !== 'applied' || !answer) throw new Error(`${command.type} was not answered`);
  return answer as Envelope<CommandResult>;
}
