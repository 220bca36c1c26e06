/**
 * The orders service's part of `/metrics`, from each region's read model:
 * orders by current status, and how long the oldest order that has not
 * ended has been waiting ("is anything stuck, where, since when"). The read
 * model is eventual, so these lag the sagas by the projection's delay.
 */
import { isTerminal, ORDER_STATUSES, type OrderStatus } from '@common/contracts/orders';
import { ageSeconds, earliest, gaugeSample, perRegion } from '@common/metrics/samples';
import { REGIONS, type Region } from '@common/regions';
import type { MetricSample } from '@common/rpc';
import { ordersDb } from './projection';

/** Orders read per region per scrape: the most recently inserted. */
export const SCANNED_MAX = 10_000;

interface StatusRow {
  status: OrderStatus;
  n: number;
  oldest: number | null;
}

async function byStatus(env: OrdersEnv, region: Region): Promise<StatusRow[]> {
  const { results } = await ordersDb(env, region)
    .prepare(
      `SELECT status, COUNT(*) AS n, MIN(updated_at) AS oldest FROM (
         SELECT status, updated_at FROM orders ORDER BY rowid DESC LIMIT ?)
       GROUP BY status`,
    )
    .bind(SCANNED_MAX)
    .all<StatusRow>();
  return results;
}

function regionSamples(region: Region, rows: StatusRow[], now: number): MetricSample[] {
  const oldestOpen = earliest(rows.filter((r) => !isTerminal(r.status)).map((r) => r.oldest));
  return [
    ...ORDER_STATUSES.map((status) =>
      gaugeSample(
        'meridian_orders_by_status',
        `Orders in the region's read model by current status (of the latest ${SCANNED_MAX}).`,
        { region, status },
        rows.find((r) => r.status === status)?.n ?? 0,
      ),
    ),
    gaugeSample(
      'meridian_sagas_open_oldest_age_seconds',
      'Since when the oldest order that has not ended last moved (0 when none is open).',
      { region },
      ageSeconds(oldestOpen, now),
    ),
  ];
}

/** Every region's read model; a region whose database fails is left out (its absence shows). */
export function orderSamples(env: OrdersEnv): Promise<MetricSample[]> {
  const now = Date.now();
  return perRegion(
    REGIONS,
    (region) => byStatus(env, region),
    (region, rows) => regionSamples(region, rows, now),
  );
}
