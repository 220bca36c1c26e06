/**
 * The per-request API limit: at most RATE_LIMIT_API_CAPACITY requests per
 * RATE_LIMIT_API_PERIOD_S seconds per principal (per client IP when
 * anonymous), on every route except health. It uses Cloudflare's Rate
 * Limiting binding (`API_RATE_LIMITER`): the count is kept by the location
 * serving the request, with no round trip to a Durable Object, so it is
 * approximate and per location (a client spread over several locations gets
 * each location's allowance). Fails open: if the binding errors the request
 * proceeds and the failure is logged.
 *
 * The binding answers only allowed or not, so an allowed response carries
 * `RateLimit-Limit` and `RateLimit-Policy` (what the limit is) but no
 * `RateLimit-Remaining`; a 429 carries `RateLimit-Remaining: 0`, and
 * `RateLimit-Reset` and `Retry-After` equal to the period (an upper bound:
 * the count restarts within one period). Login and register add exact
 * windows on top (`./login.ts`), whose headers say exactly what is left.
 */

import { errorMessage } from '@common/log';
import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';
import { respondProblem } from '../http/errors';
import {
  type ApiPolicy,
  apiPolicy,
  type RateLimitDecision,
  tighter,
  writeRateLimitHeaders,
} from './policy';

type Ctx = Context<GatewayBindings>;

/** The client's address as Cloudflare's edge reports it (it overwrites any client value). */
export function clientIp(c: Ctx): string {
  return (c.req.header('cf-connecting-ip') ?? 'unknown').slice(0, 64);
}

/** Who a request counts against: the principal, else the client IP. */
export function callerKey(c: Ctx): string {
  const principal = c.get('principal');
  return principal ? `${principal.kind}:${principal.id}` : `ip:${clientIp(c)}`;
}

export const isHealthPath = (path: string): boolean =>
  path === '/health' || path.startsWith('/health/');

export interface RateLimitOptions {
  /** Requests that are never limited; health by default. */
  skip?: (path: string) => boolean;
  /** Separates this limiter's keys from others sharing the binding. */
  name?: string;
}

function decisionOf(allowed: boolean, { limit, period_s }: ApiPolicy): RateLimitDecision {
  const policy = `${limit};w=${period_s}`;
  if (allowed) return { allowed, limit, retry_after_s: 0, policy };
  return { allowed, limit, remaining: 0, reset_s: period_s, retry_after_s: period_s, policy };
}

/**
 * @example app.use(rateLimit())
 */
export function rateLimit({
  skip = isHealthPath,
  name = 'api',
}: RateLimitOptions = {}): MiddlewareHandler<GatewayBindings> {
  return async function rateLimitMiddleware(c, next) {
    if (skip(c.req.path)) return next();
    const policy = apiPolicy(c.env);
    let decision: RateLimitDecision | undefined;
    try {
      const { success } = await c.env.API_RATE_LIMITER.limit({ key: `${name}:${callerKey(c)}` });
      decision = decisionOf(success, policy);
    } catch (error) {
      c.get('log').warn('ratelimit.unavailable', { error: errorMessage(error) });
    }
    if (decision && !decision.allowed) {
      const response = respondProblem(c, {
        status: 429,
        code: 'rate_limited',
        detail: `more than ${policy.limit} requests in ${policy.period_s} s; retry in at most ${policy.period_s} s`,
      });
      writeRateLimitHeaders(response.headers, decision);
      return response;
    }
    if (decision) c.set('rateLimit', tighter(c.get('rateLimit'), decision));
    await next();
    const final = c.get('rateLimit');
    if (final) writeRateLimitHeaders(c.res.headers, final);
  };
}
