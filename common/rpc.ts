/**
 * What every RPC call carries besides its arguments: the request id and the
 * trace it belongs to, so services log and emit events under the same ids.
 */
import { z } from 'zod';
import { markIsolateStarted } from './metrics/isolate';

export const CallMetaSchema = z.object({
  requestId: z.string(),
  traceparent: z.string(),
});
export type CallMeta = z.infer<typeof CallMetaSchema>;

export interface HealthReport {
  status: 'ok' | 'degraded';
  service: string;
  checks: Record<string, 'ok' | string>;
}

/** Runs named dependency probes; a failing probe reports its error text. */
export async function healthReport(
  service: string,
  probes: Record<string, () => Promise<unknown>>,
): Promise<HealthReport> {
  markIsolateStarted();
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      try {
        await probe();
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  const status = entries.every(([, v]) => v === 'ok') ? 'ok' : 'degraded';
  return { status, service, checks };
}

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * One series of a service's `metrics()` answer (rendered by the gateway's
 * `/metrics`, which adds the `service` label and, where a sample has none,
 * the `region` of the isolate that answered).
 */
export interface MetricSample {
  /** The family name; a histogram's series render as `<name>_bucket|_sum|_count`. */
  name: string;
  type: MetricType;
  help: string;
  labels: Readonly<Record<string, string>>;
  value: number;
  /** Histograms only: which series of the family (a bucket carries an `le` label). */
  series?: 'bucket' | 'sum' | 'count';
}
