/**
 * The dead-letter store: every message that exhausted its retries, with its
 * origin queue, error and attempts, kept for operators, who can replay it to
 * its origin queue once the cause is fixed. Replay re-sends the original
 * envelope (same id), so a consumer that did apply it after all ignores it.
 */
import type { DeadLetter } from '@common/consumer';
import { newId } from '@common/ids';
import { fail, ok, type Result } from '@common/problem';
import { queuesFor } from '@common/queues';

function isAnnotated(body: unknown): body is DeadLetter {
  return typeof body === 'object' && body !== null && (body as DeadLetter).kind === 'dead_letter';
}

/** Stores one dead-lettered message; idempotent by the queue message id. */
export async function storeDeadLetter(db: D1Database, message: Message<unknown>): Promise<void> {
  const annotated = isAnnotated(message.body) ? message.body : undefined;
  const body = annotated ? annotated.body : message.body;
  const envelope = body as { id?: unknown; type?: unknown } | null;
  await db
    .prepare(
      `INSERT OR IGNORE INTO dead_letters (id, queue, envelope_id, type, body, attempts, received_at, error, message_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      newId('dlq'),
      // A raw dead letter (the platform's, e.g. after a crash) does not say where it came from.
      annotated?.queue ?? 'unknown',
      typeof envelope?.id === 'string' ? envelope.id : null,
      typeof envelope?.type === 'string' ? envelope.type : null,
      JSON.stringify(body),
      annotated?.attempts ?? message.attempts,
      Date.now(),
      annotated?.error ?? null,
      message.id,
    )
    .run();
}

export interface DeadLetterView {
  id: string;
  queue: string;
  envelopeId: string | null;
  type: string | null;
  error: string | null;
  attempts: number;
  receivedAt: string;
  replayedAt: string | null;
  /** The message as JSON text, exactly as it will be replayed. */
  body: string;
}

interface Row {
  id: string;
  queue: string;
  envelope_id: string | null;
  type: string | null;
  error: string | null;
  attempts: number;
  received_at: number;
  replayed_at: number | null;
  body: string;
}

const view = (r: Row): DeadLetterView => ({
  id: r.id,
  queue: r.queue,
  envelopeId: r.envelope_id,
  type: r.type,
  error: r.error,
  attempts: r.attempts,
  receivedAt: new Date(r.received_at).toISOString(),
  replayedAt: r.replayed_at === null ? null : new Date(r.replayed_at).toISOString(),
  body: r.body,
});

export async function listDeadLetters(db: D1Database, limit: number): Promise<DeadLetterView[]> {
  const { results } = await db
    .prepare('SELECT * FROM dead_letters ORDER BY received_at DESC, id DESC LIMIT ?')
    .bind(limit)
    .all<Row>();
  return results.map(view);
}

/** The producer binding that replays into `queue`: REPLAY__MERIDIAN_ORDER_REPLIES for meridian-order-replies. */
export const replayBinding = (queue: string) =>
  `REPLAY__${queue.toUpperCase().replaceAll('-', '_')}`;

export async function replayDeadLetter(
  db: D1Database,
  env: object,
  id: string,
): Promise<Result<DeadLetterView>> {
  const row = await db.prepare('SELECT * FROM dead_letters WHERE id = ?').bind(id).first<Row>();
  if (!row) return fail(404, 'dead_letter_not_found', `no dead letter ${id}`);
  const [target] = queuesFor(env, replayBinding(row.queue));
  if (!target) return fail(409, 'replay_target_unknown', `cannot replay into queue "${row.queue}"`);
  await target.send(JSON.parse(row.body), { contentType: 'json' });
  const now = Date.now();
  await db.prepare('UPDATE dead_letters SET replayed_at = ? WHERE id = ?').bind(now, id).run();
  return ok(view({ ...row, replayed_at: now }));
}
