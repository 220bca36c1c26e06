/**
 * RateLimiter: one Durable Object per key-hash shard holds the sliding
 * windows (login and register attempts) of every key that hashes to it. A
 * single object per key makes each decision exact (its methods run one at a
 * time, storage is synchronous); spreading keys over shards keeps any one
 * object far from its throughput limit. State is in SQLite so an evicted
 * object forgets nothing (a brute forcer cannot wait for an eviction to
 * reset the login window). Keys arrive already hashed: no email or IP
 * address is stored here. The per-request API limit is not here: it uses
 * the Rate Limiting binding, with no round trip to an object (`./api.ts`).
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import { migrateSqlite, type SchemaStep } from '@common/do-schema';
import type { RateLimitDecision, WindowPolicy } from './policy';

const SWEEP_MS = 60_000;
const SWEEP_BATCH = 1000;

/** Append-only schema steps (`migrateSqlite`); IF NOT EXISTS for objects older than the steps. */
export const LIMITER_SCHEMA: SchemaStep[] = [
  [
    `CREATE TABLE IF NOT EXISTS buckets (
      key TEXT PRIMARY KEY,
      tokens REAL NOT NULL,
      updated_ms INTEGER NOT NULL,
      full_at_ms INTEGER NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS hits (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      key TEXT NOT NULL,
      at_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at_ms)',
    'CREATE INDEX IF NOT EXISTS hits_expires ON hits (expires_ms)',
  ],
  // The API token buckets moved to the Rate Limiting binding; `buckets` is
  // unused from this release on, and dropped only in a later one (expand →
  // migrate → contract: the previous release may still run beside this one).
];

export class RateLimiter extends DurableObject<GatewayEnv> {
  constructor(ctx: DurableObjectState, env: GatewayEnv) {
    super(ctx, env);
    migrateSqlite(ctx.storage, LIMITER_SCHEMA);
  }

  /** Records a hit for `key` unless it already has `max` hits in the window. */
  async takeWindow(key: string, policy: WindowPolicy): Promise<RateLimitDecision> {
    const now = Date.now();
    const window_ms = policy.window_s * 1000;
    const inWindow = this.ctx.storage.sql
      .exec<{ at_ms: number }>(
        'SELECT at_ms FROM hits WHERE key = ? AND at_ms > ? ORDER BY at_ms ASC',
        key,
        now - window_ms,
      )
      .toArray();
    const count = inWindow.length;
    if (count >= policy.max) {
      // A slot frees when the hit that puts the count over `max` leaves the window.
      const freeing = inWindow[count - policy.max]?.at_ms ?? now;
      return {
        allowed: false,
        limit: policy.max,
        remaining: 0,
        reset_s: Math.ceil(((inWindow[count - 1]?.at_ms ?? now) + window_ms - now) / 1000),
        retry_after_s: Math.max(1, Math.ceil((freeing + window_ms - now) / 1000)),
      };
    }
    const hit = this.ctx.storage.sql
      .exec<{ id: number }>(
        'INSERT INTO hits (key, at_ms, expires_ms) VALUES (?, ?, ?) RETURNING id',
        key,
        now,
        now + window_ms,
      )
      .one();
    await scheduleAlarmBy(this.ctx.storage, now + SWEEP_MS);
    return {
      allowed: true,
      limit: policy.max,
      remaining: policy.max - count - 1,
      reset_s: policy.window_s,
      retry_after_s: 0,
      hit_id: hit.id,
    };
  }

  /** Gives back a window hit (a login that succeeded does not count against the account). */
  refund(key: string, hit_id: number): void {
    this.ctx.storage.sql.exec('DELETE FROM hits WHERE id = ? AND key = ?', hit_id, key);
  }

  /** Forgets hits that left their window. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    sql.exec(
      'DELETE FROM hits WHERE id IN (SELECT id FROM hits WHERE expires_ms <= ? LIMIT ?)',
      now,
      SWEEP_BATCH,
    );
    const left = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM hits').one().n;
    if (left > 0) await this.ctx.storage.setAlarm(now + SWEEP_MS);
  }
}
