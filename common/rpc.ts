/**
 * What every RPC call carries besides its arguments: the request id and the
 * trace it belongs to, so services log and emit events under the same ids.
 */
import { z } from 'zod';
import { markIsolateStarted } from './metrics/isolate';

/**
 * The request ids Meridian carries: its own (`req_…`), or a client's
 * `X-Request-Id` when it has this safe shape (no spaces, quotes, control or
 * non-ASCII characters, at most 128). Anything else a client sends is
 * replaced at the gateway, so no client text reaches logs, RPC metadata or
 * message envelopes as an id.
 */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export const CallMetaSchema = z.object({
  requestId: z.string().regex(REQUEST_ID),
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

// The metrics() answer's sample type lives with the metrics code (which the
// health probe above also uses): re-exported here for the RPC contracts.
export type { MetricSample, MetricType } from './metrics/types';
