/**
 * Transactional outbox in D1, and its relay to the catalog-events queue.
 *
 * A product write and its `outbox` row go into one D1 `batch()` (one
 * transaction): the event exists if and only if the write committed. The
 * relay runs right after each write (so it also drains anything an earlier
 * write left behind) and from the cron trigger, so an event survives a
 * process that dies between commit and send. Delivery is at least once; the
 * consumer de-duplicates by envelope id.
 *
 * Relays may run concurrently (two writes, a write and the cron). Each claims
 * rows by moving `available_at` past now (a lease) in one UPDATE … RETURNING,
 * so concurrent relays take disjoint rows; rows of a relay that died become
 * claimable again when the lease ends.
 */
import type { Envelope } from '@common/envelope';
import { errorMessage, type Logger } from '@common/log';

export interface RelayOptions {
  /** How long a claimed row stays invisible to other relays. */
  lease_ms?: number;
  /** Rows claimed per round. */
  batch_max?: number;
  /** Rounds per run, so one run has a bounded cost. */
  rounds_max?: number;
  /** Queues accept at most 256 KB per sendBatch; stay under it. */
  send_bytes_max?: number;
  /** Cap of the backoff between failed attempts. */
  retry_ms_max?: number;
  log?: Logger;
}

export interface RelayResult {
  sent: number;
  /** Rows left for a later run because a send failed. */
  deferred: number;
  error?: string;
}

const INSERT_SQL =
  'INSERT INTO outbox (message_id, envelope, attempts, available_at, created_at) VALUES (?1, ?2, 0, ?3, ?3)';
/**
 * `changes()` is the row count of the statement before this one in the same
 * batch (the UPDATE or DELETE of the product): the event is recorded only if
 * that statement changed a row, inside the same transaction.
 */
const INSERT_IF_CHANGED_SQL =
  'INSERT INTO outbox (message_id, envelope, attempts, available_at, created_at) SELECT ?1, ?2, 0, ?3, ?3 WHERE changes() = 1';

/** The statement that records `envelope`; put it in the batch of the write it describes. */
export function outboxInsert(
  d1: D1Database,
  envelope: Envelope,
  { now = Date.now(), ifPreviousChanged = false } = {},
): D1PreparedStatement {
  return d1
    .prepare(ifPreviousChanged ? INSERT_IF_CHANGED_SQL : INSERT_SQL)
    .bind(envelope.id, JSON.stringify(envelope), now);
}

interface ClaimedRow {
  seq: number;
  envelope: string;
  attempts: number;
}

/** Leases up to `limit` due rows to the caller until `now + lease_ms`. */
export async function claimOutbox(d1: D1Database, now: number, lease_ms: number, limit: number) {
  const { results } = await d1
    .prepare(
      `UPDATE outbox SET attempts = attempts + 1, available_at = ?1
       WHERE seq IN (SELECT seq FROM outbox WHERE available_at <= ?2 ORDER BY seq LIMIT ?3)
       RETURNING seq, envelope, attempts`,
    )
    .bind(now + lease_ms, now, limit)
    .all<ClaimedRow>();
  return results.sort((a, b) => a.seq - b.seq);
}

/** Splits rows into sends that each stay under the byte budget. */
function chunks(rows: ClaimedRow[], bytes_max: number): ClaimedRow[][] {
  const out: ClaimedRow[][] = [];
  let current: ClaimedRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = row.envelope.length * 3;
    if (current.length > 0 && bytes + size > bytes_max) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

const seqJson = (rows: ClaimedRow[]) => JSON.stringify(rows.map((r) => r.seq));

/** Delivers every claimable row, oldest first. */
export async function relayOutbox(
  d1: D1Database,
  queue: Queue,
  {
    lease_ms = 30_000,
    batch_max = 50,
    rounds_max = 10,
    send_bytes_max = 200_000,
    retry_ms_max = 60_000,
    log,
  }: RelayOptions = {},
): Promise<RelayResult> {
  let sent = 0;
  for (let round = 0; round < rounds_max; round++) {
    const rows = await claimOutbox(d1, Date.now(), lease_ms, batch_max);
    if (rows.length === 0) break;
    const parts = chunks(rows, send_bytes_max);
    for (const [index, part] of parts.entries()) {
      try {
        await queue.sendBatch(
          part.map((r) => ({ body: JSON.parse(r.envelope) as Envelope, contentType: 'json' })),
        );
      } catch (error) {
        const left = parts.slice(index).flat();
        const attempts = Math.max(...left.map((r) => r.attempts));
        const retryAt = Date.now() + Math.min(retry_ms_max, 1000 * 2 ** (attempts - 1));
        await d1
          .prepare(
            'UPDATE outbox SET last_error = ?1, available_at = ?2 WHERE seq IN (SELECT value FROM json_each(?3))',
          )
          .bind(errorMessage(error), retryAt, seqJson(left))
          .run();
        log?.error('outbox.send_failed', {
          rows: left.length,
          attempts,
          retryAt,
          error: errorMessage(error),
        });
        return { sent, deferred: left.length, error: errorMessage(error) };
      }
      await d1
        .prepare('DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?1))')
        .bind(seqJson(part))
        .run();
      sent += part.length;
    }
    if (rows.length < batch_max) break;
  }
  if (sent > 0) log?.info('outbox.relayed', { sent });
  return { sent, deferred: 0 };
}

export interface OutboxBacklog {
  pending: number;
  /** Age of the oldest undelivered event, 0 when none. */
  oldest_ms: number;
}

export async function outboxBacklog(d1: D1Database, now = Date.now()): Promise<OutboxBacklog> {
  const row = await d1
    .prepare('SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM outbox')
    .first<{ pending: number; oldest: number | null }>();
  return {
    pending: row?.pending ?? 0,
    oldest_ms: row?.oldest == null ? 0 : Math.max(0, now - row.oldest),
  };
}
