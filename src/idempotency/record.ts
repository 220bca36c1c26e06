/**
 * IdempotencyRecord: one Durable Object per (caller, Idempotency-Key). It is
 * the single place that decides whether a request runs, so of any number of
 * concurrent duplicates exactly one starts; the rest see it in flight (409)
 * or, once it finished, get its stored response. The record is bound to the
 * first request's fingerprint (method, path, canonical body): another body
 * under the same key is refused (422). An alarm deletes the record when the
 * retention ends.
 */
import { DurableObject } from 'cloudflare:workers';
import { migrateSqlite, type SchemaStep } from '@common/do-schema';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: ArrayBuffer;
}

export type BeginResult =
  /** `startedAt`: when the key was first started; a takeover keeps it. */
  | { kind: 'started'; token: string; startedAt: number }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' }
  | { kind: 'replay'; response: StoredResponse };

interface RecordRow {
  fingerprint: string;
  token: string;
  state: 'in_flight' | 'done';
  lock_until_ms: number;
  expires_ms: number;
  started_ms: number | null;
  status: number | null;
  headers: string | null;
  body: ArrayBuffer | null;
  [key: string]: SqlStorageValue;
}

/** Append-only schema steps (`migrateSqlite`); IF NOT EXISTS for records older than the steps. */
export const RECORD_SCHEMA: SchemaStep[] = [
  [
    `CREATE TABLE IF NOT EXISTS record (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      fingerprint TEXT NOT NULL,
      token TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
      lock_until_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL,
      status INTEGER,
      headers TEXT,
      body BLOB,
      started_ms INTEGER
    )`,
  ],
];

export class IdempotencyRecord extends DurableObject<GatewayEnv> {
  /** deleteAll() drops the table too, so it is (re)created on demand. */
  #ready = false;

  #sql(): SqlStorage {
    const sql = this.ctx.storage.sql;
    if (this.#ready) return sql;
    migrateSqlite(this.ctx.storage, RECORD_SCHEMA);
    this.#ready = true;
    return sql;
  }

  #row(): RecordRow | undefined {
    return this.#sql().exec<RecordRow>('SELECT * FROM record WHERE id = 1').toArray()[0];
  }

  /** Decides the fate of a request carrying this key. */
  async begin(fingerprint: string, lock_ms: number, retention_ms: number): Promise<BeginResult> {
    const now = Date.now();
    const row = this.#row();
    if (row && row.expires_ms > now) {
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (row.state === 'done') return { kind: 'replay', response: stored(row) };
      if (row.lock_until_ms > now) return { kind: 'in_flight' };
      // The first attempt died without finishing (its lock lapsed): this one takes over.
    }
    const token = crypto.randomUUID();
    const expires_ms = now + retention_ms;
    // A takeover keeps the first start, so ids derived from it do not change.
    const started_ms = row && row.expires_ms > now ? (row.started_ms ?? now) : now;
    this.#sql().exec(
      `INSERT OR REPLACE INTO record (id, fingerprint, token, state, lock_until_ms, expires_ms, started_ms)
       VALUES (1, ?, ?, 'in_flight', ?, ?, ?)`,
      fingerprint,
      token,
      now + lock_ms,
      expires_ms,
      started_ms,
    );
    await this.ctx.storage.setAlarm(expires_ms);
    return { kind: 'started', token, startedAt: started_ms };
  }

  /** Stores the response of the request that holds `token`; false if it no longer does. */
  complete(token: string, response: StoredResponse): boolean {
    const cursor = this.#sql().exec(
      `UPDATE record SET state = 'done', status = ?, headers = ?, body = ?
       WHERE id = 1 AND token = ? AND state = 'in_flight'`,
      response.status,
      JSON.stringify(response.headers),
      response.body,
      token,
    );
    return cursor.rowsWritten > 0;
  }

  /** Releases the key without a stored response, so a retry runs again. */
  abort(token: string): void {
    this.#sql().exec(
      `DELETE FROM record WHERE id = 1 AND token = ? AND state = 'in_flight'`,
      token,
    );
  }

  /** Retention over: forget everything (the object then holds no storage). */
  override async alarm(): Promise<void> {
    const row = this.#row();
    if (row && row.expires_ms > Date.now()) {
      await this.ctx.storage.setAlarm(row.expires_ms);
      return;
    }
    await this.ctx.storage.deleteAll();
    this.#ready = false;
  }
}

function stored(row: RecordRow): StoredResponse {
  const parsed: unknown = JSON.parse(row.headers ?? '{}');
  const headers: Record<string, string> = {};
  if (parsed && typeof parsed === 'object') {
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'string') headers[name] = value;
    }
  }
  return { status: row.status ?? 500, headers, body: row.body ?? new ArrayBuffer(0) };
}
