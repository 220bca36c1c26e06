/**
 * What the saga applies (a reply, a deadline, a cancel) and what its log
 * records of each, including how a reply came: returned by the direct call
 * (the fast path) or delivered by its queue.
 */
import type { SagaInput } from './machine';
import type { SagaReply } from './replies';
import type { ReplyPath, SagaLogEntry } from './saga-store';

/** One input to apply, with what the log records of it. */
export interface Step {
  /** Undefined for an answer that changes nothing (still recorded once). */
  input: SagaInput | undefined;
  messageId: string | null;
  kind: SagaLogEntry['kind'];
  type: string;
  detail: unknown;
  via?: ReplyPath;
  /** The held outbox row this answer settles (it came by the fast path). */
  settles?: number;
}

/** The step that applies `reply`; from the fast path it also settles the command's held row. */
export function replyStep(reply: SagaReply, via: ReplyPath, settles?: number): Step {
  return {
    input: reply.type
      ? { kind: 'reply', type: reply.type, ...(reply.reason ? { reason: reply.reason } : {}) }
      : undefined,
    messageId: reply.id,
    kind: 'reply',
    type: reply.type ?? 'no_effect',
    detail: { messageId: reply.id, result: reply.result },
    via,
    ...(settles === undefined ? {} : { settles }),
  };
}
