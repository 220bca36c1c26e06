/**
 * Readiness: every service's own probe over its binding, fanned out at most
 * once per HEALTH_CACHE_MS (≤ 2 s) in an isolate however many callers ask
 * (concurrent callers share one fan-out), then combined, at answer time,
 * with what this isolate knows that the probe cannot see: a service whose
 * breaker is not closed, or that a fault rule targets, is not `ok`.
 */
import { errorMessage } from '@common/log';
import { numberVar, workerFaultRules } from '@common/resilience';
import type { HealthReport } from '@common/rpc';
import { SingleFlight } from '@common/single-flight';
import { healthProbeRounds } from '../metrics/gateway';
import { healthCheckers, SERVICE_NAMES, type ServiceName } from '../upstream/services';
import { gatewayUpstreams, withTimeout } from '../upstream/upstream';

export type ServiceState = 'ok' | 'degraded' | 'down';

export interface Probed {
  status: ServiceState;
  latencyMs: number;
  detail?: string;
}

export interface ProbeRound {
  /** Epoch ms when the fan-out started: the answer is never older than the cache window from it. */
  checkedAt: number;
  services: Record<ServiceName, Probed>;
}

export interface ServiceHealth extends Probed {
  breaker: 'closed' | 'open' | 'half-open';
}

/** The cache window can be shortened, never stretched past this. */
export const HEALTH_CACHE_MS_MAX = 2000;

const SEVERITY: Record<ServiceState, number> = { ok: 0, degraded: 1, down: 2 };
const worse = (a: ServiceState, b: ServiceState) => (SEVERITY[b] > SEVERITY[a] ? b : a);

let last: ProbeRound | undefined;
let flights: SingleFlight<ProbeRound> | undefined;

async function probe(
  name: ServiceName,
  check: () => Promise<HealthReport>,
  timeout_ms: number,
): Promise<Probed> {
  const started = Date.now();
  try {
    const report = await withTimeout(name, timeout_ms, check());
    const failing = Object.entries(report.checks).filter(([, v]) => v !== 'ok');
    const detail = failing.map(([k, v]) => `${k}: ${v}`).join('; ');
    return {
      status: report.status,
      latencyMs: Date.now() - started,
      ...(detail ? { detail } : {}),
    };
  } catch (error) {
    return { status: 'down', latencyMs: Date.now() - started, detail: errorMessage(error) };
  }
}

async function fanOut(env: GatewayEnv, timeout_ms: number): Promise<ProbeRound> {
  const checkedAt = Date.now();
  healthProbeRounds.inc();
  const checkers = healthCheckers(env);
  const results = await Promise.all(
    SERVICE_NAMES.map(
      async (name) => [name, await probe(name, checkers[name], timeout_ms)] as const,
    ),
  );
  const round: ProbeRound = {
    checkedAt,
    services: Object.fromEntries(results) as Record<ServiceName, Probed>,
  };
  if (!last || last.checkedAt < checkedAt) last = round;
  return round;
}

/**
 * The latest probe round, from this isolate's cache when it is younger than
 * HEALTH_CACHE_MS; otherwise one new fan-out shared by every concurrent caller.
 */
export async function probeRound(
  env: GatewayEnv,
  keepAlive: (settled: Promise<unknown>) => void,
): Promise<ProbeRound> {
  const cache_ms = numberVar(env.HEALTH_CACHE_MS, 1000, { max: HEALTH_CACHE_MS_MAX });
  if (last && Date.now() - last.checkedAt < cache_ms) return last;
  const timeout_ms = numberVar(env.HEALTH_TIMEOUT_MS, 1500, { min: 1 });
  // A follower waits for the leader's fan-out at most a little past its deadline.
  flights ??= new SingleFlight<ProbeRound>(timeout_ms + 500);
  const { value } = await flights.run('ready', () => fanOut(env, timeout_ms), keepAlive);
  return value;
}

export type BreakerStates = Record<ServiceName, ServiceHealth['breaker']>;

/** This isolate's breakers, read when a request arrives (before it waits on any probe). */
export function breakerStates(): BreakerStates {
  const upstreams = gatewayUpstreams();
  return Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, upstreams.status(name).breaker]),
  ) as BreakerStates;
}

/** One service as this isolate sees it: its probe, its breaker, the fault rules on it. */
export async function serviceHealth(
  name: ServiceName,
  probed: Probed,
  breaker: ServiceHealth['breaker'],
): Promise<ServiceHealth> {
  const rules = (await workerFaultRules()?.forTarget(name)) ?? [];
  let status = probed.status;
  const notes = probed.detail ? [probed.detail] : [];
  if (breaker !== 'closed') {
    status = worse(status, breaker === 'open' ? 'down' : 'degraded');
    notes.push(`circuit breaker ${breaker}`);
  }
  for (const rule of rules) {
    const failsEveryCall = rule.kind !== 'latency' && rule.rate >= 1;
    status = worse(status, failsEveryCall ? 'down' : 'degraded');
    notes.push(`fault rule: ${rule.kind} on ${Math.round(rule.rate * 100)}% of calls`);
  }
  return {
    status,
    latencyMs: probed.latencyMs,
    breaker,
    ...(notes.length ? { detail: notes.join('; ') } : {}),
  };
}

/** Forgets the cached round (tests start from a fresh probe). */
export function resetReadiness(): void {
  last = undefined;
}
