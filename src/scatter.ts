/**
 * Scatter-gather across regions for operator reads: every region is asked at
 * once with its own deadline; the answer says, per region, whether it
 * answered, and `partial` is true when any did not, so a slow or failing
 * region never hides silently nor holds the others back.
 */
import { errorMessage } from '@common/log';
import { REGIONS, type Region } from '@common/regions';
import { withTimeout } from './upstream';

export type RegionOutcome =
  | { status: 'ok'; latencyMs: number }
  | { status: 'timeout' | 'error'; latencyMs: number; detail: string };

export interface Gathered<T> {
  results: Partial<Record<Region, T>>;
  regions: Record<Region, RegionOutcome>;
  partial: boolean;
}

export async function scatterGather<T>(
  ask: (region: Region) => Promise<T>,
  {
    timeout_ms = 2000,
    regions = REGIONS,
  }: { timeout_ms?: number; regions?: readonly Region[] } = {},
): Promise<Gathered<T>> {
  const answers = await Promise.all(
    regions.map(async (region) => {
      const started = Date.now();
      try {
        const value = await withTimeout(`region ${region}`, timeout_ms, ask(region));
        return {
          region,
          value,
          outcome: { status: 'ok', latencyMs: Date.now() - started } as RegionOutcome,
        };
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        const outcome: RegionOutcome = {
          status: timedOut ? 'timeout' : 'error',
          latencyMs: Date.now() - started,
          detail: errorMessage(error),
        };
        return { region, value: undefined, outcome };
      }
    }),
  );
  const results: Partial<Record<Region, T>> = {};
  const outcomes = {} as Record<Region, RegionOutcome>;
  for (const a of answers) {
    outcomes[a.region] = a.outcome;
    if (a.outcome.status === 'ok') results[a.region] = a.value as T;
  }
  return { results, regions: outcomes, partial: answers.some((a) => a.outcome.status !== 'ok') };
}
