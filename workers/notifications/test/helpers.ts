/** Shared fixtures of the notifications tests: queue delivery and per-region counts. */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { newId } from '@common/ids';
import { REGIONS, type Region } from '@common/regions';
import { notificationsDb } from '../src/inbox';
import NotificationsService from '../src/index';

/** Delivers `bodies` as one batch of `queue` to the worker's queue handler. */
export async function deliver(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: newId('msg'), timestamp: Date.now(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await new NotificationsService(ctx, env).queue(batch);
  return getQueueResult(batch, ctx);
}

/** How many rows matching `where` each region's database holds. */
export async function countByRegion(table: string, where: string, value: string) {
  const counts = await Promise.all(
    REGIONS.map(async (region) => {
      const row = await notificationsDb(env, region)
        .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`)
        .bind(value)
        .first<{ n: number }>();
      return [region, row?.n ?? 0] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<Region, number>;
}

export const only = (region: Region, n = 1) =>
  Object.fromEntries(REGIONS.map((r) => [r, r === region ? n : 0]));
