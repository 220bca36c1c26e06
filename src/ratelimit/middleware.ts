/**
 * Rate limiting at the gateway, exact because every key's state lives in
 * one Durable Object (the shard its hash maps to):
 * - `rateLimit()`: a token bucket per principal (per client IP when
 *   anonymous) on every route except health. Fails open: if the limiter is
 *   unreachable the request proceeds and the failure is logged.
 * - `throttleAuth()`: stricter sliding windows on login and register, per
 *   IP and per account (email). Fails closed (503): it guards passwords.
 * Responses carry RateLimit-Limit/Remaining/Reset of the tightest limit
 * consulted; a 429 adds Retry-After.
 */

import { errorMessage } from '@common/log';
import { problem } from '@common/problem';
import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';
import { respondProblem } from '../http/errors';
import {
  apiPolicy,
  authPolicies,
  type BucketPolicy,
  type RateLimitDecision,
  shardCount,
  tighter,
  type WindowPolicy,
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

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The shard that owns `key`, and the hashed key it is stored under. */
export async function limiterFor(env: GatewayEnv, key: string) {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)),
  );
  const shard = new DataView(digest.buffer).getUint32(0) % shardCount(env);
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`shard:${shard}`));
  return { stub, key: base64url(digest), shard };
}

export const isHealthPath = (path: string): boolean =>
  path === '/health' || path.startsWith('/health/');

export interface RateLimitOptions {
  /** Defaults to the RATE_LIMIT_API_* vars. */
  policy?: BucketPolicy;
  /** Requests that are never limited; health by default. */
  skip?: (path: string) => boolean;
  /** Separates this limiter's buckets from others sharing the shards. */
  name?: string;
}

/**
 * @example app.use(rateLimit())
 */
export function rateLimit({
  policy,
  skip = isHealthPath,
  name = 'api',
}: RateLimitOptions = {}): MiddlewareHandler<GatewayBindings> {
  return async function rateLimitMiddleware(c, next) {
    if (skip(c.req.path)) return next();
    let decision: RateLimitDecision | undefined;
    try {
      const { stub, key } = await limiterFor(c.env, `${name}:${callerKey(c)}`);
      decision = await stub.takeToken(key, policy ?? apiPolicy(c.env));
    } catch (error) {
      c.get('log').warn('ratelimit.unavailable', { error: errorMessage(error) });
    }
    if (decision && !decision.allowed) {
      const response = respondProblem(c, {
        status: 429,
        code: 'rate_limited',
        detail: `too many requests; retry in ${decision.retry_after_s} s`,
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

async function takeWindow(c: Ctx, name: string, policy: WindowPolicy) {
  try {
    const { stub, key } = await limiterFor(c.env, name);
    const decision = await stub.takeWindow(key, policy);
    return { decision, refund: () => stub.refund(key, decision.hit_id ?? -1) };
  } catch (error) {
    c.get('log').error('ratelimit.unavailable', { error: errorMessage(error) });
    throw problem(503, 'rate_limiter_unavailable', 'try again shortly', { retryAfter: 1 });
  }
}

function refuse(c: Ctx, decision: RateLimitDecision, what: string): never {
  c.set('rateLimit', decision);
  throw problem(429, 'too_many_attempts', `too many ${what} attempts; retry later`, {
    retryAfter: Math.max(1, decision.retry_after_s),
  });
}

/**
 * Counts a login or register attempt against the client IP and the account.
 * Returns a refund for the account's hit: a successful login gives it back,
 * so only failed attempts count against an account. Attempts are counted
 * before the password is checked, so concurrent guesses cannot slip past.
 */
export async function throttleAuth(
  c: Ctx,
  action: 'login' | 'register',
  email: string,
): Promise<() => Promise<void>> {
  const policies = authPolicies(c.env);
  const ip = await takeWindow(c, `auth-ip:${clientIp(c)}`, policies.ip);
  if (!ip.decision.allowed) refuse(c, ip.decision, action);
  const account = await takeWindow(c, `${action}-account:${email}`, policies.account);
  if (!account.decision.allowed) refuse(c, account.decision, action);
  const before = c.get('rateLimit');
  c.set('rateLimit', tighter(tighter(before, ip.decision), account.decision));
  return async () => {
    try {
      await account.refund();
      const refunded = { ...account.decision, remaining: account.decision.remaining + 1 };
      c.set('rateLimit', tighter(tighter(before, ip.decision), refunded));
    } catch (error) {
      c.get('log').warn('ratelimit.refund_failed', { error: errorMessage(error) });
    }
  };
}
