/**
 * Login and register throttling: exact sliding windows in the RateLimiter
 * Durable Objects (they guard passwords, so they are exact and fail closed
 * with 503). Three windows, each counted before the password is checked so
 * concurrent guesses cannot slip past:
 *
 * - per (account, address), tight (RATE_LIMIT_AUTH_PAIR_MAX, 5): stops
 *   guessing from one address;
 * - per account from every address, much higher
 *   (RATE_LIMIT_AUTH_ACCOUNT_MAX, 100): caps a distributed guess, while a
 *   handful of failures from elsewhere leaves the owner able to log in from
 *   their own address (no targeted lockout for the price of five requests);
 * - per address across accounts (RATE_LIMIT_AUTH_IP_MAX, 30): stops one
 *   address spraying many accounts.
 *
 * A successful login gives its pair and account hits back, so only failures
 * count against an account. All in RATE_LIMIT_AUTH_WINDOW_S (900 s).
 */
import { errorMessage } from '@common/log';
import { problem } from '@common/problem';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';
import { clientIp } from './middleware';
import {
  authPolicies,
  type RateLimitDecision,
  shardCount,
  tighter,
  type WindowPolicy,
} from './policy';

type Ctx = Context<GatewayBindings>;

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

interface Taken {
  decision: RateLimitDecision;
  refund: () => Promise<void>;
}

async function takeWindow(c: Ctx, name: string, policy: WindowPolicy): Promise<Taken> {
  try {
    const { stub, key } = await limiterFor(c.env, name);
    const decision = await stub.takeWindow(key, policy);
    return { decision, refund: () => stub.refund(key, decision.hit_id ?? -1) };
  } catch (error) {
    c.get('log').error('ratelimit.unavailable', { error: errorMessage(error) });
    throw problem(503, 'rate_limiter_unavailable', 'try again shortly', { retryAfter: 1 });
  }
}

async function refundAll(c: Ctx, taken: Taken[]): Promise<void> {
  try {
    await Promise.all(taken.map((t) => t.refund()));
  } catch (error) {
    c.get('log').warn('ratelimit.refund_failed', { error: errorMessage(error) });
  }
}

/**
 * Counts a login or register attempt against the address, the (account,
 * address) pair and the account, in that order; refuses with 429 and
 * Retry-After at the first window that is full (giving back the pair hit
 * of an attempt that never reached the password check). Returns the refund
 * of the pair and account hits, for a login that succeeded.
 */
export async function throttleAuth(
  c: Ctx,
  action: 'login' | 'register',
  email: string,
): Promise<() => Promise<void>> {
  const policies = authPolicies(c.env);
  const ip = clientIp(c);
  const windows: [string, WindowPolicy][] = [
    [`auth-ip:${ip}`, policies.ip],
    [`${action}-pair:${email}\n${ip}`, policies.pair],
    [`${action}-account:${email}`, policies.account],
  ];
  const taken: Taken[] = [];
  const before = c.get('rateLimit');
  let rateLimit = before;
  for (const [name, policy] of windows) {
    const window = await takeWindow(c, name, policy);
    if (!window.decision.allowed) {
      await refundAll(c, taken.slice(1));
      c.set('rateLimit', window.decision);
      throw problem(429, 'too_many_attempts', `too many ${action} attempts; retry later`, {
        retryAfter: Math.max(1, window.decision.retry_after_s),
      });
    }
    taken.push(window);
    rateLimit = tighter(rateLimit, window.decision);
  }
  c.set('rateLimit', rateLimit);
  return async () => {
    await refundAll(c, taken.slice(1));
    const back = (d: RateLimitDecision) => ({ ...d, remaining: (d.remaining ?? 0) + 1 });
    const [ipHit, ...refunded] = taken.map((t) => t.decision);
    let restored = ipHit ? tighter(before, ipHit) : before;
    for (const d of refunded) restored = tighter(restored, back(d));
    if (restored) c.set('rateLimit', restored);
  };
}
