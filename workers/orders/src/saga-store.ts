/**
 * The saga's SQLite storage: its one state row, its log (transitions,
 * commands, events, replies and how each reply came, deadlines, cancels,
 * fallbacks), the outbox and the inbox. Tables are created by `migrate()`
 * when the saga is placed, never before: reading a saga that was never
 * placed writes nothing, so looking up unknown order ids leaves no objects.
 */
import { hasTable, migrateSqlite, type SchemaStep } from '@common/do-schema';
import { INBOX_TABLE, OUTBOX_HOLD, OUTBOX_TABLE } from '@common/outbox';
import type { SagaState } from './machine';

export const SAGA_SCHEMA: readonly SchemaStep[] = [
  // 1: the tables as sagas created them inline before they had steps (their
  // constructor, the Outbox's and the DurableInbox's), hence IF NOT EXISTS:
  // an object made then runs this step as a no-op.
  [
    'CREATE TABLE IF NOT EXISTS saga (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, trace TEXT NOT NULL)',
    `CREATE TABLE IF NOT EXISTS saga_log (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL)`,
    ...OUTBOX_TABLE,
    ...INBOX_TABLE,
  ],
  // 2: the outbox's holds (the fast path), and how each reply came.
  [...OUTBOX_HOLD, 'ALTER TABLE saga_log ADD COLUMN via TEXT'],
];

export interface Trace {
  traceparent: string;
  requestId: string;
}

/** How a reply reached the saga: returned by the direct call, or delivered by a queue. */
export type ReplyPath = 'fast_path' | 'queue';

export interface SagaLogEntry {
  seq: number;
  at: string;
  kind: 'transition' | 'command' | 'event' | 'reply' | 'deadline' | 'cancel' | 'fallback';
  type: string;
  /** For replies: the fast path or the queue. */
  via: ReplyPath | null;
  /** JSON text: message ids, destinations, outcomes, reasons, the queue. */
  detail: string;
}

/** Log entries an inspection returns at most (the most recent). */
export const LOG_LIMIT_MAX = 200;

interface LogRow {
  seq: number;
  at: number;
  kind: SagaLogEntry['kind'];
  type: string;
  via: ReplyPath | null;
  detail: string;
  [key: string]: SqlStorageValue;
}

export class SagaStore {
  readonly #storage: DurableObjectStorage;
  #ready = false;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /**
   * Whether the saga was ever placed. A saga that was is brought up to date
   * (its storage exists anyway); one that was not is only read.
   */
  exists(): boolean {
    if (!this.#ready && hasTable(this.#storage, 'saga')) this.migrate();
    return this.#ready;
  }

  /** Creates (or brings up to date) the tables; placing a saga is the only caller. */
  migrate(): void {
    migrateSqlite(this.#storage, SAGA_SCHEMA);
    this.#ready = true;
  }

  load(): { state: SagaState; trace: Trace } | undefined {
    if (!this.exists()) return undefined;
    const row = this.#storage.sql
      .exec<{ state: string; trace: string }>('SELECT state, trace FROM saga')
      .toArray()[0];
    return row
      ? { state: JSON.parse(row.state) as SagaState, trace: JSON.parse(row.trace) as Trace }
      : undefined;
  }

  /** Writes the state; call inside the transaction of the decision. */
  save(state: SagaState, trace: Trace): void {
    this.#storage.sql.exec(
      'INSERT INTO saga (id, state, trace) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state',
      JSON.stringify(state),
      JSON.stringify(trace),
    );
  }

  log(kind: SagaLogEntry['kind'], type: string, detail: unknown, via?: ReplyPath): void {
    this.#storage.sql.exec(
      'INSERT INTO saga_log (at, kind, type, detail, via) VALUES (?, ?, ?, ?, ?)',
      Date.now(),
      kind,
      type,
      JSON.stringify(detail),
      via ?? null,
    );
  }

  /** The most recent `limit` entries (≤ LOG_LIMIT_MAX), oldest first, and how many older ones were left out. */
  recentLog(limit = LOG_LIMIT_MAX): { entries: SagaLogEntry[]; omitted: number } {
    const rows = this.#storage.sql
      .exec<LogRow>(
        'SELECT seq, at, kind, type, via, detail FROM saga_log ORDER BY seq DESC LIMIT ?',
        Math.min(Math.max(1, limit), LOG_LIMIT_MAX),
      )
      .toArray()
      .reverse();
    const total = this.#storage.sql
      .exec<{ n: number }>('SELECT COUNT(*) AS n FROM saga_log')
      .one().n;
    const entries = rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
    return { entries, omitted: total - entries.length };
  }
}
