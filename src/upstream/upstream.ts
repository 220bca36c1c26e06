/**
 * Gateway → service calls. Every call goes through the shared upstream layer
 * (`@common/resilience`): retry (idempotent calls only) → circuit breaker →
 * bulkhead → per-attempt timeout → fault injection → the RPC. Whatever the
 * layer refuses or cuts short becomes a 503 + Retry-After naming the service
 * and the mechanism; a service's own `Result` answers pass through untouched.
 * Breakers and bulkheads are per isolate.
 */
import { env } from 'cloudflare:workers';
import { errorMessage, type Logger } from '@common/log';
import { ok, Problem, type Result } from '@common/problem';
import {
  type CallOptions,
  RetryBudget,
  type StaleCopies,
  Upstreams,
  unavailableProblem,
  upstreamConfigFromVars,
  workerFaultRules,
} from '@common/resilience';
import type { Context } from 'hono';
import { tryGetContext } from 'hono/context-storage';
import type { GatewayBindings } from '../context';
import { upstreamObserver } from '../metrics/gateway';

export { TimeoutError, withTimeout } from '@common/resilience';

let upstreams: Upstreams | undefined;

/** This isolate's upstream layer, configured from the gateway's vars on first use. */
export function gatewayUpstreams(): Upstreams {
  if (!upstreams) {
    const config = upstreamConfigFromVars(env);
    const faults = config.faults.enabled ? (workerFaultRules() ?? undefined) : undefined;
    upstreams = new Upstreams(config, { faults, observer: upstreamObserver });
  }
  return upstreams;
}

/** Drops every breaker and bulkhead of this isolate (tests start from closed breakers). */
export function resetUpstreams(): void {
  upstreams = undefined;
}

export interface UpstreamOptions<T> extends Omit<CallOptions<T>, 'log'> {
  log?: Logger;
}

/** The retry budget of the request being served, created on its first upstream call. */
function requestBudget(c: Context<GatewayBindings> | undefined): RetryBudget | undefined {
  if (!c) return undefined;
  let budget = c.get('retryBudget');
  if (!budget) {
    budget = new RetryBudget(gatewayUpstreams().config.retry.budget_per_request);
    c.set('retryBudget', budget);
  }
  return budget;
}

/**
 * Runs one RPC call to `service` through the upstream layer. Declare
 * `idempotent: true` for reads and keyed writes so failures are retried.
 * @example unwrap(await callUpstream('catalog', () => c.env.CATALOG.getProduct(id), { idempotent: true }))
 */
export async function callUpstream<R>(
  service: string,
  call: () => R,
  options: UpstreamOptions<Awaited<R>> = {},
): Promise<Awaited<R>> {
  const c = tryGetContext<GatewayBindings>();
  const log = options.log ?? c?.get('log');
  const budget = options.budget ?? requestBudget(c);
  try {
    return await gatewayUpstreams().call(service, async () => await call(), {
      ...options,
      log,
      budget,
    });
  } catch (error) {
    if (error instanceof Problem) throw error;
    const spec = unavailableProblem(service, error);
    log?.error('upstream.failed', {
      upstream: service,
      code: spec.code,
      error: errorMessage(error),
    });
    throw new Problem(spec, { cause: error });
  }
}

/**
 * A read that falls back to the last good copy (kept per isolate) when the
 * upstream fails; `staleAge_s` is set when the copy was served, so the route
 * can say so. A 404 answer forgets the copy.
 */
export async function callWithStaleCopy<T>(
  service: string,
  copies: StaleCopies<T>,
  key: string,
  call: () => Promise<Result<T>>,
  options: UpstreamOptions<Result<T>> = {},
): Promise<{ result: Result<T>; staleAge_s?: number }> {
  let staleAge_s: number | undefined;
  const result = await callUpstream(service, call, {
    ...options,
    fallback: () => {
      const copy = copies.recall(key);
      if (!copy) return undefined;
      staleAge_s = copy.age_s;
      return ok(copy.value);
    },
  });
  if (staleAge_s === undefined) {
    if (result.ok) copies.remember(key, result.value);
    else if (result.problem.status === 404) copies.forget(key);
  }
  return { result, staleAge_s };
}
