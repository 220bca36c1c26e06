/**
 * Scatter-gather across regions for operator reads: every region is asked at
 * once with its own deadline; the answer says, per region, whether it
 * answered, and `partial` is true when any did not, so a slow or failing
 * region never hides silently nor holds the others back.
 *
 * Each region's leg obeys the operator's fault rules for `region:<name>`
 * (latency, error, drop; `/v1/admin/faults`), injected before the leg's
 * call and inside its deadline, so a drill can make one region slow or
 * failing and watch the others still answer.
 */
import { errorMessage, type Logger } from '@common/log';
import { REGIONS, type Region } from '@common/regions';
import {
  type FaultRules,
  injectFaults,
  type StoredFaultRule,
  withDeadline,
  workerFaultRules,
} from '@common/resilience';
import { z } from '@hono/zod-openapi';
import { faultsInjected } from '../metrics/gateway';

/** How each region's leg of a scatter-gather went, as admin listings report it. */
export const RegionOutcomeSchema = z.object({
  status: z.enum(['ok', 'timeout', 'error']),
  latencyMs: z.number().int(),
  detail: z.string().optional(),
});

/** The deadline of each region's leg of an admin read. */
export const regionTimeout = (env: GatewayEnv): number =>
  Number(env.ADMIN_REGION_TIMEOUT_MS) || 2000;

export type RegionOutcome =
  | { status: 'ok'; latencyMs: number }
  | { status: 'timeout' | 'error'; latencyMs: number; detail: string };

export interface Gathered<T> {
  results: Partial<Record<Region, T>>;
  regions: Record<Region, RegionOutcome>;
  partial: boolean;
}

/** The fault-injection target of a region's scatter leg. */
export const regionTarget = (region: Region): string => `region:${region}`;
/** Matches exactly the targets of the configured regions. */
export const REGION_TARGET = new RegExp(`^region:(${REGIONS.join('|')})$`);

export interface ScatterOptions {
  /** Deadline of each region's leg. */
  timeout_ms?: number;
  regions?: readonly Region[];
  /** Operator fault rules; default this isolate's (none when injection is disabled). */
  faults?: FaultRules | null;
  log?: Logger;
}

/**
 * The live rules of every region's target, read one after the other: the
 * first read refreshes a stale copy (bounded by the registry's own timeout)
 * and the rest come from it. Read concurrently, every leg but one would see
 * the copy from before the refresh.
 */
async function regionRules(
  faults: FaultRules | null,
  regions: readonly Region[],
): Promise<Map<Region, StoredFaultRule[]>> {
  const rules = new Map<Region, StoredFaultRule[]>();
  if (!faults) return rules;
  for (const region of regions) rules.set(region, await faults.forTarget(regionTarget(region)));
  return rules;
}

/** Applies one leg's rules (latency, then error or drop) inside its deadline. */
async function injectRegionFault(
  region: Region,
  rules: readonly StoredFaultRule[],
  signal: AbortSignal,
  log: Logger | undefined,
): Promise<void> {
  if (rules.length === 0) return;
  await injectFaults(regionTarget(region), rules, {
    signal,
    ...(log ? { log } : {}),
    onFault: (target, kind) => faultsInjected.inc({ target, kind }),
  });
}

export async function scatterGather<T>(
  ask: (region: Region) => Promise<T>,
  { timeout_ms = 2000, regions = REGIONS, faults = workerFaultRules(), log }: ScatterOptions = {},
): Promise<Gathered<T>> {
  const rules = await regionRules(faults, regions);
  const answers = await Promise.all(
    regions.map(async (region) => {
      const started = Date.now();
      try {
        const value = await withDeadline(
          `region ${region}`,
          timeout_ms,
          undefined,
          async (signal) => {
            await injectRegionFault(region, rules.get(region) ?? [], signal, log);
            return ask(region);
          },
        );
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
        log?.warn('scatter.region_failed', { region, ...outcome });
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

/**
 * The gathered lists as one list: each item tagged with its region, ordered
 * by `newestFirst`, cut to `limit`.
 */
export function mergeRegions<I extends object>(
  results: Partial<Record<Region, readonly I[]>>,
  newestFirst: (a: I, b: I) => number,
  limit: number,
): Array<I & { region: Region }> {
  return REGIONS.flatMap((region) => (results[region] ?? []).map((item) => ({ ...item, region })))
    .sort(newestFirst)
    .slice(0, limit);
}
