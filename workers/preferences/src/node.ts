/**
 * PreferenceNode: one storage node of a region's ring (a Durable Object). It
 * keeps its own copy of the preferences of the customers it is a replica
 * for (last writer wins by version), and hints: copies it took for a node
 * that was down, which its alarm hands off once that node answers again.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import type { PreferencesObject } from '@common/contracts/preferences';
import { migrateSqlite } from '@common/do-schema';
import { createLogger, errorMessage } from '@common/log';
import { type PreferencesConfig, preferencesConfig } from './config';
import { callNode, isDown } from './faults';
import type { Version } from './hlc';
import type { NodeRef } from './ring';

export interface Versioned {
  value: PreferencesObject;
  version: Version;
}

/** A node's answer for one customer: its own copy, and the newest hint it holds. */
export interface NodeRead {
  own: Versioned | null;
  hinted: Versioned | null;
}

export interface NodeInspection {
  version: Version | null;
  hinted: Array<{ for: string; version: Version }>;
}

/** Hints handed off per alarm run. */
const HANDOFF_BATCH = 50;

const SCHEMA = [
  [
    'CREATE TABLE node (id INTEGER PRIMARY KEY CHECK (id = 1), node TEXT NOT NULL, region TEXT NOT NULL)',
    `CREATE TABLE prefs (customer_id TEXT PRIMARY KEY, value TEXT NOT NULL, version TEXT NOT NULL,
      updated_at INTEGER NOT NULL)`,
    `CREATE TABLE hints (customer_id TEXT NOT NULL, target TEXT NOT NULL, value TEXT NOT NULL,
      version TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL, PRIMARY KEY (customer_id, target))`,
    'CREATE INDEX hints_due ON hints (next_at)',
  ],
];

type Copy = { value: string; version: string };
type HintRow = {
  customer_id: string;
  target: string;
  value: string;
  version: string;
  created_at: number;
  attempts: number;
};

const versioned = (row: Copy | undefined): Versioned | null =>
  row ? { value: JSON.parse(row.value) as PreferencesObject, version: row.version } : null;

export class PreferenceNode extends DurableObject<PreferencesEnv> {
  readonly config: PreferencesConfig;

  constructor(ctx: DurableObjectState, env: PreferencesEnv) {
    super(ctx, env);
    this.config = preferencesConfig(env);
    migrateSqlite(ctx.storage, SCHEMA);
  }

  #remember(self: NodeRef): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO node (id, node, region) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING',
      self.id,
      self.region,
    );
  }

  async read(customerId: string): Promise<NodeRead> {
    const sql = this.ctx.storage.sql;
    const own = sql
      .exec<Copy>('SELECT value, version FROM prefs WHERE customer_id = ?', customerId)
      .toArray()[0];
    const hinted = sql
      .exec<Copy>(
        'SELECT value, version FROM hints WHERE customer_id = ? ORDER BY version DESC LIMIT 1',
        customerId,
      )
      .toArray()[0];
    return { own: versioned(own), hinted: versioned(hinted) };
  }

  /** Stores `copy` unless this node holds a newer one; with `hintFor`, as a hint for that node. */
  async write(
    self: NodeRef,
    customerId: string,
    copy: Versioned,
    hintFor?: NodeRef,
  ): Promise<Version> {
    this.#remember(self);
    const now = Date.now();
    const value = JSON.stringify(copy.value);
    if (!hintFor) {
      this.ctx.storage.sql.exec(
        `INSERT INTO prefs (customer_id, value, version, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (customer_id) DO UPDATE SET value = excluded.value, version = excluded.version,
           updated_at = excluded.updated_at WHERE excluded.version > prefs.version`,
        customerId,
        value,
        copy.version,
        now,
      );
      return copy.version;
    }
    this.ctx.storage.sql.exec(
      `INSERT INTO hints (customer_id, target, value, version, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (customer_id, target) DO UPDATE SET value = excluded.value, version = excluded.version,
         attempts = 0, next_at = excluded.next_at WHERE excluded.version > hints.version`,
      customerId,
      hintFor.id,
      value,
      copy.version,
      now,
      now + this.config.hint_retry_ms,
    );
    await scheduleAlarmBy(this.ctx.storage, now + this.config.hint_retry_ms);
    return copy.version;
  }

  /** For operators: this node's version of the customer's copy and the hints it holds for them. */
  async inspect(customerId: string): Promise<NodeInspection> {
    const sql = this.ctx.storage.sql;
    const own = sql
      .exec<{ version: string }>('SELECT version FROM prefs WHERE customer_id = ?', customerId)
      .toArray()[0];
    const hinted = sql
      .exec<{ target: string; version: string }>(
        'SELECT target, version FROM hints WHERE customer_id = ? ORDER BY target',
        customerId,
      )
      .toArray()
      .map((h) => ({ for: h.target, version: h.version }));
    return { version: own?.version ?? null, hinted };
  }

  /** Hands due hints to their nodes; a node still down keeps its hint for a later run. */
  override async alarm(): Promise<void> {
    const self = this.ctx.storage.sql
      .exec<{ node: string; region: NodeRef['region'] }>('SELECT node, region FROM node')
      .toArray()[0];
    if (!self) return;
    const now = Date.now();
    this.ctx.storage.sql.exec(
      'DELETE FROM hints WHERE created_at < ?',
      now - this.config.hint_ttl_ms,
    );
    if (!(await isDown({ id: self.node, region: self.region }))) {
      const due = this.ctx.storage.sql
        .exec<HintRow>(
          'SELECT customer_id, target, value, version, created_at, attempts FROM hints WHERE next_at <= ? ORDER BY next_at LIMIT ?',
          now,
          HANDOFF_BATCH,
        )
        .toArray();
      await Promise.all(due.map((hint) => this.#handOff(self.region, hint, now)));
    }
    const next = this.ctx.storage.sql
      .exec<{ at: number | null }>('SELECT MIN(next_at) AS at FROM hints')
      .one().at;
    if (next !== null) await scheduleAlarmBy(this.ctx.storage, Math.max(next, Date.now() + 1));
  }

  async #handOff(region: NodeRef['region'], hint: HintRow, now: number): Promise<void> {
    const target: NodeRef = { id: hint.target, region };
    const copy = versioned(hint);
    if (!copy) return;
    try {
      await callNode(this.env.PREFERENCE_NODE, target, this.config.replica_timeout_ms, (stub) =>
        stub.write(target, hint.customer_id, copy),
      );
      this.ctx.storage.sql.exec(
        'DELETE FROM hints WHERE customer_id = ? AND target = ? AND version = ?',
        hint.customer_id,
        hint.target,
        hint.version,
      );
    } catch (error) {
      const delay_ms = Math.min(
        this.config.hint_retry_ms * 2 ** hint.attempts,
        this.config.hint_retry_ms_max,
      );
      this.ctx.storage.sql.exec(
        'UPDATE hints SET attempts = attempts + 1, next_at = ? WHERE customer_id = ? AND target = ?',
        now + delay_ms,
        hint.customer_id,
        hint.target,
      );
      createLogger({ service: 'preferences' }).warn('preferences.handoff_failed', {
        target: hint.target,
        attempts: hint.attempts + 1,
        error: errorMessage(error),
      });
    }
  }
}
