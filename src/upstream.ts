/**
 * Calls to services over their bindings. Every call has a deadline; a call
 * that misses it, or throws, becomes a 503 naming the service, never a hang.
 */
import { errorMessage, type Logger } from '@common/log';
import { Problem, problem } from '@common/problem';

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export interface UpstreamOptions {
  timeout_ms?: number;
  log?: Logger;
}

/** Runs one RPC call to `service`; failures surface as 503 + Retry-After. */
export async function callUpstream<R>(
  service: string,
  call: () => R,
  { timeout_ms = 5000, log }: UpstreamOptions = {},
): Promise<Awaited<R>> {
  try {
    return await withTimeout(service, timeout_ms, Promise.resolve(call()));
  } catch (error) {
    if (error instanceof Problem) throw error;
    log?.error('upstream.failed', { upstream: service, error: errorMessage(error) });
    throw problem(503, 'upstream_unavailable', `the ${service} service is unavailable`, {
      retryAfter: 1,
    });
  }
}
