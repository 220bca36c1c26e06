/**
 * The ledger's event store: an append-only log in DO SQLite, a snapshot of
 * the folded state every N events, and the reads the ledger answers from it
 * (current state, state and events as of a past instant, newest-first pages).
 *
 * The current state lives in memory as a cache of `fold(log)`: loaded from
 * the latest snapshot plus the tail at start, advanced by `append`, and put
 * back as it was if the transaction around the append throws.
 */
import type { LedgerEventType } from '@common/contracts/payments';
import {
  apply,
  EMPTY_STATE,
  type EventDraft,
  fold,
  type LedgerEvent,
  type LedgerState,
} from './fold';

interface EventRow {
  seq: number;
  type: string;
  amount: number;
  balance_after: number;
  reference: string | null;
  operation_id: string | null;
  data: string | null;
  at: number;
  [key: string]: SqlStorageValue;
}

export interface StoredEvent extends LedgerEvent {
  balanceAfter: number;
}

export interface Snapshot {
  version: number;
  state: LedgerState;
  at: number;
}

export interface JournalOptions {
  /** A snapshot is written when the version is a multiple of this. */
  snapshot_every: number;
  /** Called for each appended event inside the transaction (the outbox). */
  onAppend: (event: StoredEvent, state: LedgerState) => void;
}

function eventOf(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    type: row.type as LedgerEventType,
    amount: row.amount,
    reference: row.reference,
    operationId: row.operation_id,
    at: row.at,
    data: row.data ? (JSON.parse(row.data) as Record<string, string>) : null,
    balanceAfter: row.balance_after,
  };
}

export class Journal {
  readonly #storage: DurableObjectStorage;
  readonly #options: JournalOptions;
  #state: LedgerState;

  constructor(storage: DurableObjectStorage, options: JournalOptions) {
    this.#storage = storage;
    this.#options = options;
    this.#state = this.load();
  }

  get state(): LedgerState {
    return this.#state;
  }

  /** Runs `work` as one storage transaction; if it throws, the cached state is restored. */
  transaction<T>(work: () => T): T {
    const before = this.#state;
    try {
      return this.#storage.transactionSync(work);
    } catch (error) {
      this.#state = before;
      throw error;
    }
  }

  /** Appends events in order (call inside `transaction`); returns them as stored. */
  append(drafts: EventDraft[], now: number): StoredEvent[] {
    return drafts.map((draft) => {
      const event = {
        ...draft,
        seq: this.#state.version + 1,
        at: Math.max(now, this.#state.lastAt),
      };
      const state = apply(this.#state, event);
      this.#storage.sql.exec(
        `INSERT INTO events (seq, type, amount, balance_after, reference, operation_id, data, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        event.seq,
        event.type,
        event.amount,
        state.balance,
        event.reference,
        event.operationId,
        event.data ? JSON.stringify(event.data) : null,
        event.at,
      );
      if (event.seq % this.#options.snapshot_every === 0) {
        this.#storage.sql.exec(
          'INSERT INTO snapshots (version, state, at) VALUES (?, ?, ?)',
          event.seq,
          JSON.stringify(state),
          event.at,
        );
      }
      this.#state = state;
      const stored = { ...event, balanceAfter: state.balance };
      this.#options.onAppend(stored, state);
      return stored;
    });
  }

  /** The latest snapshot at or before `until` (epoch ms), if any. */
  snapshotAsOf(until = Number.MAX_SAFE_INTEGER): Snapshot | null {
    const row = this.#storage.sql
      .exec<{ version: number; state: string; at: number }>(
        'SELECT version, state, at FROM snapshots WHERE at <= ? ORDER BY version DESC LIMIT 1',
        until,
      )
      .toArray()[0];
    return row
      ? { version: row.version, at: row.at, state: JSON.parse(row.state) as LedgerState }
      : null;
  }

  /** State from the latest snapshot plus the events after it. */
  load(): LedgerState {
    return this.stateAsOf(Number.MAX_SAFE_INTEGER);
  }

  /** The state as of `until` (inclusive): nearest earlier snapshot + the tail up to `until`. */
  stateAsOf(until: number): LedgerState {
    const snapshot = this.snapshotAsOf(until);
    const from = snapshot?.version ?? 0;
    return fold(this.#tail(from, until), snapshot?.state ?? EMPTY_STATE);
  }

  /** Events with `after < seq` and `at <= until`, oldest first. */
  eventsAsOf(until: number, after: number, limit: number): StoredEvent[] {
    return this.#storage.sql
      .exec<EventRow>(
        'SELECT * FROM events WHERE seq > ? AND at <= ? ORDER BY seq LIMIT ?',
        after,
        until,
        limit,
      )
      .toArray()
      .map(eventOf);
  }

  /** Newest first, `seq < before`, leaving out events that move no money. */
  history(before: number, limit: number): StoredEvent[] {
    return this.#storage.sql
      .exec<EventRow>(
        `SELECT * FROM events WHERE seq < ? AND type != 'AccountOpened'
         ORDER BY seq DESC LIMIT ?`,
        before,
        limit,
      )
      .toArray()
      .map(eventOf);
  }

  /** Money that entered the ledger (FundsDeposited), newest first, `seq < before`. */
  credits(before: number, limit: number): StoredEvent[] {
    return this.#storage.sql
      .exec<EventRow>(
        `SELECT * FROM events WHERE seq < ? AND type = 'FundsDeposited' ORDER BY seq DESC LIMIT ?`,
        before,
        limit,
      )
      .toArray()
      .map(eventOf);
  }

  /** Every stored event, oldest first (for audits; the log is bounded by the account's life). */
  *all(): Generator<StoredEvent> {
    for (const row of this.#storage.sql.exec<EventRow>('SELECT * FROM events ORDER BY seq'))
      yield eventOf(row);
  }

  *#tail(after: number, until: number): Generator<LedgerEvent> {
    const rows = this.#storage.sql.exec<EventRow>(
      'SELECT * FROM events WHERE seq > ? AND at <= ? ORDER BY seq',
      after,
      until,
    );
    for (const row of rows) yield eventOf(row);
  }
}
