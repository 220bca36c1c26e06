/**
 * The notifications service's part of `/metrics`: dead letters waiting for
 * an operator, per region and origin queue, and how long the oldest has
 * waited ("is anything failing, where, since when").
 */
import { ageSeconds, earliest, gaugeSample, perRegion } from '@common/metrics/samples';
import { REGIONS, type Region } from '@common/regions';
import type { MetricSample } from '@common/rpc';
import { notificationsDb } from './inbox';

/** Dead letters read per region per scrape (newest first, by the received_at index). */
const SCANNED_MAX = 10_000;
/** Origin queues listed per region. */
const QUEUES_MAX = 50;

interface Waiting {
  queue: string;
  n: number;
  oldest: number | null;
}

async function waiting(env: NotificationsEnv, region: Region): Promise<Waiting[]> {
  const { results } = await notificationsDb(env, region)
    .prepare(
      `SELECT queue, COUNT(*) AS n, MIN(received_at) AS oldest FROM (
         SELECT queue, received_at FROM dead_letters WHERE replayed_at IS NULL
         ORDER BY received_at DESC LIMIT ?)
       GROUP BY queue ORDER BY n DESC LIMIT ?`,
    )
    .bind(SCANNED_MAX, QUEUES_MAX)
    .all<Waiting>();
  return results;
}

function regionSamples(region: Region, rows: Waiting[], now: number): MetricSample[] {
  const oldest = earliest(rows.map((r) => r.oldest));
  return [
    gaugeSample(
      'meridian_dead_letters_pending',
      `Dead letters not replayed yet, per region (of the newest ${SCANNED_MAX}).`,
      { region },
      rows.reduce((sum, r) => sum + r.n, 0),
    ),
    gaugeSample(
      'meridian_dead_letters_oldest_age_seconds',
      'How long the oldest dead letter not replayed has waited (0 when none).',
      { region },
      ageSeconds(oldest, now),
    ),
    ...rows.map((r) =>
      gaugeSample(
        'meridian_dead_letters_pending_by_queue',
        'Dead letters not replayed yet, by the queue they failed on.',
        { region, queue: r.queue },
        r.n,
      ),
    ),
  ];
}

/** Every region's dead letters; a region whose database fails is left out (its absence shows). */
export function deadLetterSamples(env: NotificationsEnv): Promise<MetricSample[]> {
  const now = Date.now();
  return perRegion(
    REGIONS,
    (region) => waiting(env, region),
    (region, rows) => regionSamples(region, rows, now),
  );
}
