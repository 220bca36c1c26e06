/**
 * Transactional outbox for Durable Objects (SQLite storage).
 *
 * `add()` is called inside the same `transactionSync` as the state change, so
 * an event exists if and only if its change committed. The object answers its
 * caller as soon as that transaction is durable: `relayAfterCommit()` arms the
 * alarm and delivers in the background, never in the caller's latency, and
 * the alarm delivers whatever is left until every row is acknowledged by the
 * queue. Rows are deleted only after a successful send, so delivery is at
 * least once and consumers de-duplicate by envelope id.
 *
 * A row can be held (`hold_ms`) while its owner delivers it another way (the
 * order saga's direct call): no relay sends it until the hold ends. `settle()`
 * removes it, in the transaction that applies the answer, when that way
 * worked; `release()` hands it back to the relay when it did not. An owner
 * that dies meanwhile leaves the row to the alarm once the hold ends.
 *
 * Tables are created by the object's own schema steps (`migrateSqlite`),
 * which include `OUTBOX_TABLE` and `OUTBOX_HOLD` (and `INBOX_TABLE` for a
 * `DurableInbox`), so constructing an Outbox writes nothing.
 */
import { scheduleAlarmBy } from './alarms';
import type { SchemaStep } from './do-schema';
import type { Envelope } from './envelope';
import { errorMessage, type Logger } from './log';

/** The outbox table as first shipped (objects made before schema steps have it already). */
export const OUTBOX_TABLE: SchemaStep = [
  `CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    destination TEXT NOT NULL,
    envelope TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL
  )`,
];
/** Holds: a row is not relayed before `held_until` (epoch ms). */
export const OUTBOX_HOLD: SchemaStep = [
  'ALTER TABLE outbox ADD COLUMN held_until INTEGER NOT NULL DEFAULT 0',
];
export const INBOX_TABLE: SchemaStep = [
  'CREATE TABLE IF NOT EXISTS inbox (message_id TEXT PRIMARY KEY, processed_at INTEGER NOT NULL)',
];

/** Sends one batch of envelopes to a named destination queue. */
export type OutboxSender = (destination: string, batch: Envelope[]) => Promise<void>;

export interface OutboxOptions {
  /** Delay before a failed delivery is retried by the alarm. */
  retry_ms?: number;
  /** Rows sent per queue call (Queues accepts at most 100 per sendBatch). */
  batch_max?: number;
}

export interface FlushResult {
  sent: number;
  pending: number;
  error?: string;
}

export interface OutboxRow {
  seq: number;
  destination: string;
  envelope: Envelope;
  attempts: number;
}

/** Rows `pending()` returns at most. */
const PENDING_LIMIT_MAX = 500;
/** A list of seqs as one bound parameter (a JSON array): DO SQLite binds at most 100. */
const SEQS = '(SELECT value FROM json_each(?))';

export class Outbox {
  readonly #storage: DurableObjectStorage;
  readonly #retry_ms: number;
  readonly #batch_max: number;
  #flushing: Promise<FlushResult> | undefined;
  /** A flush was asked for while one ran: run again, so no new row waits for the alarm. */
  #again = false;

  constructor(
    storage: DurableObjectStorage,
    { retry_ms = 2000, batch_max = 100 }: OutboxOptions = {},
  ) {
    this.#storage = storage;
    this.#retry_ms = retry_ms;
    this.#batch_max = Math.min(batch_max, 100);
  }

  /**
   * Records an envelope for delivery; call inside the transaction of the
   * change. With `hold_ms` no relay sends it before then. Returns its seq.
   */
  add(destination: string, envelope: Envelope, { hold_ms = 0 } = {}): number {
    const now = Date.now();
    return this.#storage.sql
      .exec<{ seq: number }>(
        'INSERT INTO outbox (destination, envelope, created_at, held_until) VALUES (?, ?, ?, ?) RETURNING seq',
        destination,
        JSON.stringify(envelope),
        now,
        hold_ms > 0 ? now + hold_ms : 0,
      )
      .one().seq;
  }

  /** The held row was delivered another way: it is done. Call inside the transaction that applies its answer. */
  settle(seq: number): void {
    this.#storage.sql.exec('DELETE FROM outbox WHERE seq = ?', seq);
  }

  /** The held row was not delivered another way: relays may send it now. */
  release(seq: number, error: string): void {
    this.#storage.sql.exec(
      'UPDATE outbox SET held_until = 0, last_error = ? WHERE seq = ?',
      error,
      seq,
    );
  }

  pendingCount(): number {
    return this.#storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n;
  }

  /** The oldest undelivered rows, at most `limit` (≤ 500). */
  pending(limit = 100): OutboxRow[] {
    return this.#storage.sql
      .exec<{ seq: number; destination: string; envelope: string; attempts: number }>(
        'SELECT seq, destination, envelope, attempts FROM outbox ORDER BY seq LIMIT ?',
        Math.min(Math.max(1, limit), PENDING_LIMIT_MAX),
      )
      .toArray()
      .map((row) => ({ ...row, envelope: JSON.parse(row.envelope) as Envelope }));
  }

  /**
   * Delivers pending rows in order. Concurrent calls share one run (which
   * runs again if asked meanwhile). When a send fails the rows stay and the
   * alarm is set to try again; held rows get the alarm at their hold's end.
   */
  flush(send: OutboxSender): Promise<FlushResult> {
    this.#again = true;
    this.#flushing ??= this.#untilQuiet(send).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** `flush`, and a warning with the trace of the caller when rows stay behind. */
  async relay(send: OutboxSender, log: Logger): Promise<FlushResult> {
    const result = await this.flush(send);
    if (result.error)
      log.warn('outbox.delivery_failed', { pending: result.pending, error: result.error });
    return result;
  }

  /**
   * After a commit that added rows: the alarm is armed (the guarantee, should
   * this run be cut short), then the relay runs in the background, so the
   * caller is answered once the transaction is durable, not once the queue
   * took the message.
   */
  async relayAfterCommit(ctx: DurableObjectState, send: OutboxSender, log: Logger): Promise<void> {
    if (this.pendingCount() === 0) return;
    await scheduleAlarmBy(ctx.storage, Date.now() + this.#retry_ms);
    ctx.waitUntil(this.relay(send, log));
  }

  async #untilQuiet(send: OutboxSender): Promise<FlushResult> {
    let result: FlushResult = { sent: 0, pending: 0 };
    while (this.#again) {
      this.#again = false;
      const round = await this.#deliver(send);
      result = { ...round, sent: result.sent + round.sent };
      if (round.error) break;
    }
    return result;
  }

  async #deliver(send: OutboxSender): Promise<FlushResult> {
    let sent = 0;
    for (;;) {
      const rows = this.#storage.sql
        .exec<{ seq: number; destination: string; envelope: string }>(
          'SELECT seq, destination, envelope FROM outbox WHERE held_until <= ? ORDER BY seq LIMIT ?',
          Date.now(),
          this.#batch_max,
        )
        .toArray();
      const first = rows[0];
      if (!first) {
        await this.#alarmForHolds();
        return { sent, pending: this.pendingCount() };
      }
      // One destination per send keeps per-queue order.
      const batch = rows.filter((r) => r.destination === first.destination);
      const seqs = batch.map((r) => r.seq);
      try {
        await send(
          first.destination,
          batch.map((r) => JSON.parse(r.envelope) as Envelope),
        );
      } catch (error) {
        const message = errorMessage(error);
        this.#storage.sql.exec(
          `UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq IN ${SEQS}`,
          message,
          JSON.stringify(seqs),
        );
        await scheduleAlarmBy(this.#storage, Date.now() + this.#retry_ms);
        return { sent, pending: this.pendingCount(), error: message };
      }
      this.#storage.sql.exec(`DELETE FROM outbox WHERE seq IN ${SEQS}`, JSON.stringify(seqs));
      sent += batch.length;
    }
  }

  /** A held row whose holder died is relayed by the alarm when its hold ends. */
  async #alarmForHolds(): Promise<void> {
    const next = this.#storage.sql
      .exec<{ at: number | null }>('SELECT MIN(held_until) AS at FROM outbox WHERE held_until > 0')
      .one().at;
    if (next !== null) await scheduleAlarmBy(this.#storage, next);
  }
}

/**
 * Processed-message record for Durable Objects: `claim()` inside the
 * transaction of the effect returns false when the message was already
 * applied, so a redelivery has no second effect. Its table is `INBOX_TABLE`.
 */
export class DurableInbox {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /** Records `messageId`; false if it was recorded before. Call inside the transaction. */
  claim(messageId: string): boolean {
    const seen = this.#storage.sql
      .exec('SELECT 1 FROM inbox WHERE message_id = ?', messageId)
      .toArray().length;
    if (seen) return false;
    this.#storage.sql.exec(
      'INSERT INTO inbox (message_id, processed_at) VALUES (?, ?)',
      messageId,
      Date.now(),
    );
    return true;
  }
}
