/**
 * Transactional outbox for Durable Objects (SQLite storage).
 *
 * `add()` is called inside the same `transactionSync` as the state change, so
 * an event exists if and only if its change committed. `flush()` runs right
 * after commit and again from the alarm until every row is acknowledged by the
 * queue; rows are deleted only after a successful send, so delivery is at
 * least once and consumers de-duplicate by envelope id.
 */
import { scheduleAlarmBy } from './alarms';
import type { Envelope } from './envelope';
import { errorMessage } from './log';

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

export class Outbox {
  readonly #storage: DurableObjectStorage;
  readonly #retryMs: number;
  readonly #batchMax: number;
  #flushing: Promise<FlushResult> | undefined;

  constructor(
    storage: DurableObjectStorage,
    { retry_ms = 2000, batch_max = 100 }: OutboxOptions = {},
  ) {
    this.#storage = storage;
    this.#retryMs = retry_ms;
    this.#batchMax = Math.min(batch_max, 100);
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      destination TEXT NOT NULL,
      envelope TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at INTEGER NOT NULL
    )`);
  }

  /** Records an event for delivery. Call inside the transaction of the change. */
  add(destination: string, envelope: Envelope): void {
    this.#storage.sql.exec(
      'INSERT INTO outbox (destination, envelope, created_at) VALUES (?, ?, ?)',
      destination,
      JSON.stringify(envelope),
      Date.now(),
    );
  }

  pendingCount(): number {
    return this.#storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n;
  }

  pending(): Array<{ seq: number; destination: string; envelope: Envelope; attempts: number }> {
    return this.#storage.sql
      .exec<{ seq: number; destination: string; envelope: string; attempts: number }>(
        'SELECT seq, destination, envelope, attempts FROM outbox ORDER BY seq',
      )
      .toArray()
      .map((row) => ({ ...row, envelope: JSON.parse(row.envelope) as Envelope }));
  }

  /**
   * Delivers pending rows in order. Concurrent calls share one run. When a
   * send fails the rows stay and the alarm is set to try again.
   */
  flush(send: OutboxSender): Promise<FlushResult> {
    this.#flushing ??= this.#deliver(send).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #deliver(send: OutboxSender): Promise<FlushResult> {
    let sent = 0;
    for (;;) {
      const rows = this.#storage.sql
        .exec<{ seq: number; destination: string; envelope: string }>(
          'SELECT seq, destination, envelope FROM outbox ORDER BY seq LIMIT ?',
          this.#batchMax,
        )
        .toArray();
      const first = rows[0];
      if (!first) return { sent, pending: 0 };
      // One destination per send keeps per-queue order.
      const batch = rows.filter((r) => r.destination === first.destination);
      try {
        await send(
          first.destination,
          batch.map((r) => JSON.parse(r.envelope) as Envelope),
        );
      } catch (error) {
        const message = errorMessage(error);
        const seqs = batch.map((r) => r.seq);
        this.#storage.sql.exec(
          `UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq IN (${seqs.map(() => '?').join(',')})`,
          message,
          ...seqs,
        );
        await scheduleAlarmBy(this.#storage, Date.now() + this.#retryMs);
        return { sent, pending: this.pendingCount(), error: message };
      }
      const last = batch[batch.length - 1]?.seq ?? first.seq;
      this.#storage.sql.exec(
        'DELETE FROM outbox WHERE destination = ? AND seq BETWEEN ? AND ?',
        first.destination,
        first.seq,
        last,
      );
      sent += batch.length;
    }
  }
}

/**
 * Processed-message record for Durable Objects: `claim()` inside the
 * transaction of the effect returns false when the message was already
 * applied, so a redelivery has no second effect.
 */
export class DurableInbox {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS inbox (message_id TEXT PRIMARY KEY, processed_at INTEGER NOT NULL)',
    );
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
