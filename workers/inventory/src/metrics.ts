/**
 * The inventory service's part of `/metrics`: the outbox backlog of its
 * shard leaders (events written but not yet accepted by the queue), summed
 * per region. The shards of a region are a configured, small set, so every
 * one is asked, each with the scrape's own deadline set by the gateway.
 */
import { shardNames } from '@common/hashring';
import { gaugeSample, perRegion } from '@common/metrics/samples';
import { REGIONS, type Region } from '@common/regions';
import type { MetricSample } from '@common/rpc';
import { parseShardCounts } from './ring';

/** Asks one shard of `region` for its undelivered outbox rows. */
export type ShardBacklog = (region: Region, shard: string) => Promise<number>;

async function regionBacklog(
  region: Region,
  shards: readonly string[],
  backlog: ShardBacklog,
): Promise<MetricSample[]> {
  const answers = await Promise.allSettled(shards.map((shard) => backlog(region, shard)));
  const pending = answers.reduce((sum, a) => sum + (a.status === 'fulfilled' ? a.value : 0), 0);
  const unanswered = answers.filter((a) => a.status === 'rejected').length;
  return [
    gaugeSample(
      'meridian_outbox_backlog',
      'Outbox rows written but not yet accepted by their queue, by object type and region.',
      { object: 'InventoryShard', region },
      pending,
    ),
    gaugeSample(
      'meridian_outbox_objects_unanswered',
      'Objects that did not say their backlog in this scrape (their rows are not in the backlog).',
      { object: 'InventoryShard', region },
      unanswered,
    ),
  ];
}

export function shardSamples(spec: string, backlog: ShardBacklog): Promise<MetricSample[]> {
  const counts = parseShardCounts(spec);
  return perRegion(
    REGIONS,
    (region) => regionBacklog(region, shardNames(counts[region]), backlog),
    (_region, samples) => samples,
  );
}
