/**
 * Commands over queues (orchestrated sagas, DESIGN §5): a service consumes its
 * command queue, runs the command through the same idempotent code as its
 * RPC, and answers with one result event on the replies queue. The reply's id
 * is derived from the command's, so a command redelivered after its reply was
 * sent produces the same reply id and the saga's inbox drops the duplicate.
 */
import type { ConsumeOutcome } from './consumer';
import type { Envelope } from './envelope';
import type { ProblemSpec, Result } from './problem';
import type { CallMeta } from './rpc';

/** Queue the saga consumes replies from (producer binding `SAGA_REPLIES`). */
export const SAGA_REPLIES_QUEUE = 'meridian-saga-replies';

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
  // Own keys only: a message type such as `constructor` names no handler.
  const handler = Object.hasOwn(handlers, envelope.type) ? handlers[envelope.type] : undefined;
  if (!handler) return 'ignored';
  const meta: CallMeta = { requestId: envelope.id, traceparent: envelope.traceparent };
  const result = await handler(envelope.payload, meta);
  if (isTransient(result) && !answerTransient(envelope.type)) {
    throw new Error(`${envelope.type} not done yet: ${result.ok ? '' : result.problem.detail}`);
  }
  await reply(replyTo(envelope, resultType, result));
  return 'applied';
}
