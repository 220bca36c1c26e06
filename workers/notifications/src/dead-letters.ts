/**
 * The dead-letter store: every message that exhausted its retries, with its
 * origin queue, error and attempts, kept for operators, who can replay it to
 * its origin queue once the cause is fixed. Replay re-sends the original
 * envelope (same id), so a consumer that did apply it after all ignores it.
 *
 * A dead letter holds the whole message (customer ids, order data), so it is
 * kept in the database of the message's region, like the data it carries; a
 * message whose region cannot be told goes to UNKNOWN_ORIGIN_REGION (`eu`,
 * the strictest). Operators read every region by scatter-gather.
 */
import type { DeadLetter } from '@common/consumer';
import { newId } from '@common/ids';
import { fail, ok, type Result } from '@common/problem';
import { queuesFor } from '@common/queues';
import {
  findInRegions,
  isRegion,
  queueRegion,
  type Region,
  regionalQueue,
  UNKNOWN_ORIGIN_REGION,
} from '@common/regions';
import { notificationsDb } from './inbox';

function isAnnotated(body: unknown): body is DeadLetter {
  return typeof body === 'object' && body !== null && (body as DeadLetter).kind === 'dead_letter';
}

/**
 * The region whose data a message carries: its envelope's region, when the
 * payload does not name another one. Anything unclear (no envelope, an
 * unknown region, envelope and payload disagreeing) is UNKNOWN_ORIGIN_REGION.
 */
export function originRegion(body: unknown): Region {
  if (typeof body !== 'object' || body === null) return UNKNOWN_ORIGIN_REGION;
  const region: unknown = Reflect.get(body, 'region');
  const payload: unknown = Reflect.get(body, 'payload');
  const named: unknown =
    typeof payload === 'object' && payload !== null ? Reflect.get(payload, 'region') : undefined;
  if (!isRegion(region)) return UNKNOWN_ORIGIN_REGION;
  if (named !== undefined && named !== region) return UNKNOWN_ORIGIN_REGION;
  return region;
}

/**
 * Stores one dead-lettered message in its origin region's database;
 * idempotent by the queue message id. Returns the region it went to.
 */
export async function storeDeadLetter(
  env: NotificationsEnv,
  message: Message<unknown>,
): Promise<Region> {
  const annotated = isAnnotated(message.body) ? message.body : undefined;
  const body = annotated ? annotated.body : message.body;
  const envelope = body as { id?: unknown; type?: unknown } | null;
  const region = originRegion(body);
  await notificationsDb(env, region)
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
  return region;
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
  /** The region whose database keeps it: the message's own region. */
  region: Region;
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

const view = (r: Row, region: Region): DeadLetterView => ({
  id: r.id,
  queue: r.queue,
  envelopeId: r.envelope_id,
  type: r.type,
  error: r.error,
  attempts: r.attempts,
  receivedAt: new Date(r.received_at).toISOString(),
  replayedAt: r.replayed_at === null ? null : new Date(r.replayed_at).toISOString(),
  body: r.body,
  region,
});

export interface DeadLetterFilter {
  /** false: only those not replayed yet (what still needs an operator); true: only replayed ones. */
  replayed?: boolean | undefined;
}

const REPLAYED_CLAUSE = {
  any: '',
  true: 'WHERE replayed_at IS NOT NULL',
  false: 'WHERE replayed_at IS NULL',
} as const;

/** One region's dead letters, newest first. */
export async function listDeadLetters(
  env: NotificationsEnv,
  region: Region,
  limit: number,
  { replayed }: DeadLetterFilter = {},
): Promise<DeadLetterView[]> {
  const where = REPLAYED_CLAUSE[replayed === undefined ? 'any' : replayed ? 'true' : 'false'];
  const { results } = await notificationsDb(env, region)
    .prepare(`SELECT * FROM dead_letters ${where} ORDER BY received_at DESC, id DESC LIMIT ?`)
    .bind(limit)
    .all<Row>();
  return results.map((r) => view(r, region));
}

/** The producer binding that replays into `queue`: REPLAY__MERIDIAN_ORDER_EVENTS_EU for meridian-order-events-eu. */
export const replayBinding = (queue: string) =>
  `REPLAY__${queue.toUpperCase().replaceAll('-', '_')}`;

/**
 * Where a letter replays: its origin queue; for a letter that died before
 * queues were per region (its queue names no region), that topic's queue in
 * the region that keeps the letter.
 */
function replayTargets(env: NotificationsEnv, queue: string, region: Region): Queue[] {
  const origin = queuesFor(env, replayBinding(queue));
  if (origin.length > 0 || queueRegion(queue).region !== null) return origin;
  return queuesFor(env, replayBinding(regionalQueue(queue, region)));
}

/**
 * Sends a dead letter back to its origin queue, once: the letter is claimed
 * (`replayed_at` set where it was unset) before it is sent, so of two
 * replays, concurrent or not, exactly one sends it; the other is 409
 * `dead_letter_already_replayed`. A send that fails gives the claim back
 * (the letter can be replayed again) and fails the call.
 */
export async function replayDeadLetter(
  env: NotificationsEnv,
  id: string,
): Promise<Result<DeadLetterView>> {
  // Kept in its message's region, which the id does not tell: ask every region.
  const found = await findInRegions((region) =>
    notificationsDb(env, region)
      .prepare('SELECT * FROM dead_letters WHERE id = ?')
      .bind(id)
      .first<Row>(),
  );
  if (found.region === null) {
    if (found.unreachable.length === 0)
      return fail(404, 'dead_letter_not_found', `no dead letter ${id}`);
    return fail(
      503,
      'dead_letters_unavailable',
      `the dead letters of ${found.unreachable.join(', ')} did not answer; try again`,
    );
  }
  const { value: row, region } = found;
  const db = notificationsDb(env, region);
  const [target] = replayTargets(env, row.queue, region);
  if (!target) return fail(409, 'replay_target_unknown', `cannot replay into queue "${row.queue}"`);
  const now = Date.now();
  const claimed = await db
    .prepare('UPDATE dead_letters SET replayed_at = ? WHERE id = ? AND replayed_at IS NULL')
    .bind(now, id)
    .run();
  if (claimed.meta.changes !== 1) return alreadyReplayed(db, id);
  try {
    await target.send(JSON.parse(row.body), { contentType: 'json' });
  } catch (error) {
    await db
      .prepare('UPDATE dead_letters SET replayed_at = NULL WHERE id = ? AND replayed_at = ?')
      .bind(id, now)
      .run();
    throw error;
  }
  return ok(view({ ...row, replayed_at: now }, region));
}

async function alreadyReplayed(db: D1Database, id: string): Promise<Result<never>> {
  const row = await db
    .prepare('SELECT replayed_at FROM dead_letters WHERE id = ?')
    .bind(id)
    .first<{ replayed_at: number | null }>();
  const at = row?.replayed_at ? ` at ${new Date(row.replayed_at).toISOString()}` : '';
  return fail(
    409,
    'dead_letter_already_replayed',
    `dead letter ${id} was already replayed${at}; a message that fails again comes back as a new dead letter`,
  );
}
