/**
 * WindowAggregator: one Durable Object per region (`regionalStub`, so in the
 * region's jurisdiction), the source of truth of that region's analytics.
 * Each observation is applied exactly once: its envelope id is claimed in
 * the inbox in the same transaction as the bucket and totals it changes, so
 * a redelivery changes nothing. An alarm prunes buckets past the retention
 * and inbox rows past theirs.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import {
  type AnalyticsWindow,
  MINUTE_MS,
  minuteOf,
  type RegionAnalytics,
  windowMinutes,
} from '@common/contracts/analytics';
import { migrateSqlite } from '@common/do-schema';
import { DurableInbox } from '@common/outbox';
import { type AggregatorSettings, aggregatorSettings } from './config';
import type { Observation } from './observe';
import { AGGREGATOR_SCHEMA, AggregatorStore, PRUNE_BATCH } from './store';
import { addToTotals, countOutcome, type Outcome, type TotalsJson } from './totals';
import { Bucket, placement, summarize } from './windows';

/** How often the alarm prunes while there is anything to prune. */
const PRUNE_EVERY_MS = MINUTE_MS;

export class WindowAggregator extends DurableObject<AnalyticsEnv> {
  readonly #inbox: DurableInbox;
  readonly #store: AggregatorStore;
  readonly #settings: AggregatorSettings;

  constructor(ctx: DurableObjectState, env: AnalyticsEnv) {
    super(ctx, env);
    this.#settings = aggregatorSettings(env);
    this.#inbox = new DurableInbox(ctx.storage);
    migrateSqlite(ctx.storage, AGGREGATOR_SCHEMA);
    this.#store = new AggregatorStore(ctx.storage.sql, this.#settings);
  }

  /** Applies one observation once: placed in its minute, counted late, or a duplicate. */
  async ingest(observation: Observation): Promise<Outcome> {
    const now = Date.now();
    const outcome = this.ctx.storage.transactionSync((): Outcome => {
      const totals = this.#store.totals();
      if (!this.#inbox.claim(observation.id)) {
        this.#store.saveTotals(countOutcome(totals, 'duplicate'));
        return 'duplicate';
      }
      const { late, minute } = placement(observation.at, now, this.#settings.lateness_ms);
      const bucket = this.#store.bucket(minute) ?? new Bucket(minute, this.#settings);
      if (late) bucket.addLate();
      else {
        bucket.add(observation);
        addToTotals(totals, observation);
      }
      this.#store.saveBucket(bucket, now);
      this.#store.saveTotals(countOutcome(totals, late ? 'late' : 'applied'));
      return late ? 'late' : 'applied';
    });
    await scheduleAlarmBy(this.ctx.storage, now + PRUNE_EVERY_MS);
    return outcome;
  }

  /** The window of `kind` that ends with the minute of `at` (epoch ms). */
  window(kind: AnalyticsWindow, at: number, top_skus: number): RegionAnalytics {
    const minutes = windowMinutes(kind, at);
    return summarize(minutes, this.#store.buckets(minutes), this.#settings, top_skus);
  }

  /** Lifetime totals, for `/metrics`. */
  totals(): TotalsJson {
    return this.#store.totals();
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const pruned = this.#store.prune(
      minuteOf(now) - this.#settings.retention_minutes * MINUTE_MS,
      now - this.#settings.inbox_retention_ms,
    );
    const more = pruned.buckets === PRUNE_BATCH || pruned.inbox === PRUNE_BATCH;
    const oldest = this.#store.oldestInboxAt();
    // While buckets remain there is something to prune each minute; an idle
    // region wakes only when its oldest inbox row expires.
    if (more) await this.ctx.storage.setAlarm(now + 1000);
    else if (this.#store.bucketCount() > 0) await this.ctx.storage.setAlarm(now + PRUNE_EVERY_MS);
    else if (oldest !== null)
      await this.ctx.storage.setAlarm(oldest + this.#settings.inbox_retention_ms);
  }
}
