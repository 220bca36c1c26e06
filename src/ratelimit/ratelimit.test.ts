/**
 * Rate limits: the API limit on the Rate Limiting binding, and the exact
 * login/register windows in Durable Objects. Tests that need small limits
 * run the real gateway app with those vars (same routes, same objects);
 * the API limit's tests swap in TEST_API_RATE_LIMITER (5 per 60 s,
 * vitest.config.ts) for the suite's deep binding.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PASSWORD, randomIp, register, uniqueEmail } from '../../test/support/clients';
import { createApp } from '../app';
import { limiterFor } from './login';

const app = createApp();
const testLimiter = (env as unknown as { TEST_API_RATE_LIMITER: RateLimit }).TEST_API_RATE_LIMITER;

function withEnv(overrides: Partial<GatewayEnv>) {
  const scoped = { ...env, ...overrides } as GatewayEnv;
  return (path: string, init: RequestInit = {}) =>
    app.request(`http://meridian.test${path}`, init, scoped);
}

const jsonPost = (body: unknown, ip: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
  body: JSON.stringify(body),
});

const loginFrom = (ip: string, email: string, password = PASSWORD) =>
  withEnv({})('/v1/auth/login', jsonPost({ email, password }, ip));

/**
 * Miniflare's local binding counts in windows aligned to the wall clock: a
 * test that must see one window whole waits out the end of the current one.
 */
async function freshWindow(period_s = 60, need_ms = 10_000): Promise<void> {
  const left = period_s * 1000 - (Date.now() % (period_s * 1000));
  if (left < need_ms) await new Promise((r) => setTimeout(r, left + 50));
}

describe('login throttling without a targeted lockout', () => {
  it('an attacker’s five failures from another address leave the owner able to log in', async () => {
    const { email } = await register();
    const attacker = randomIp();
    for (let i = 0; i < 5; i++) {
      expect((await loginFrom(attacker, email, `guess number ${i}`)).status).toBe(401);
    }
    // The attacker's address is done for the window, even with the right password...
    const blocked = await loginFrom(attacker, email, PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(blocked.headers.get('ratelimit-limit')).toBe('5');
    expect(blocked.headers.get('ratelimit-remaining')).toBe('0');
    expect(blocked.headers.get('content-type')).toBe('application/problem+json');
    // ...while the owner, from their own address, logs in at once.
    expect((await loginFrom(randomIp(), email)).status).toBe(200);
  });

  it('failures spread over several addresses still do not lock the owner out', async () => {
    const { email } = await register();
    for (let a = 0; a < 4; a++) {
      const ip = randomIp();
      for (let i = 0; i < 5; i++)
        expect((await loginFrom(ip, email, `spread ${a}.${i}`)).status).toBe(401);
      expect((await loginFrom(ip, email, 'one more')).status).toBe(429);
    }
    expect((await loginFrom(randomIp(), email)).status).toBe(200);
  });

  it('a distributed guess is capped per account (RATE_LIMIT_AUTH_ACCOUNT_MAX)', async () => {
    const request = withEnv({ RATE_LIMIT_AUTH_ACCOUNT_MAX: '8' });
    const { email } = await register();
    for (let i = 0; i < 8; i++) {
      const res = await request(
        '/v1/auth/login',
        jsonPost({ email, password: `g${i}-guess` }, randomIp()),
      );
      expect(res.status).toBe(401);
    }
    const capped = await request(
      '/v1/auth/login',
      jsonPost({ email, password: 'g9-guess' }, randomIp()),
    );
    expect(capped.status).toBe(429);
    expect(capped.headers.get('ratelimit-limit')).toBe('8');
  });

  it('successful logins count against neither the account nor the (account, address) pair', async () => {
    const { email } = await register();
    const ip = randomIp();
    for (let i = 0; i < 8; i++) expect((await loginFrom(ip, email)).status).toBe(200);
    // A success gives its attempt back: five failures are still allowed.
    for (let i = 0; i < 5; i++) expect((await loginFrom(ip, email, `after ${i}`)).status).toBe(401);
  });

  it('concurrent guesses from one address cannot slip past the window', async () => {
    const { email } = await register();
    const ip = randomIp();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => loginFrom(ip, email, `parallel guess ${i}`)),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('one address is limited across accounts (login and register share the window)', async () => {
    const request = withEnv({ RATE_LIMIT_AUTH_IP_MAX: '3' });
    const ip = randomIp();
    const { email } = await register();
    expect(
      (await request('/v1/auth/login', jsonPost({ email, password: PASSWORD }, ip))).status,
    ).toBe(200);
    const body = () => ({ email: uniqueEmail(), password: PASSWORD });
    expect((await request('/v1/auth/register', jsonPost(body(), ip))).status).toBe(201);
    expect((await request('/v1/auth/login', jsonPost(body(), ip))).status).toBe(401);
    const blocked = await request('/v1/auth/register', jsonPost(body(), ip));
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).not.toBeNull();
    expect((await request('/v1/auth/register', jsonPost(body(), randomIp()))).status).toBe(201);
  });
});

describe('API limit (Rate Limiting binding)', () => {
  const request = withEnv({ API_RATE_LIMITER: testLimiter, RATE_LIMIT_API_CAPACITY: '5' });

  it('allows the limit, then 429 with Retry-After and the RateLimit-* headers it can stand behind', async () => {
    await freshWindow();
    const ip = randomIp();
    const get = () => request('/v1/inventory/SKU-RL', { headers: { 'cf-connecting-ip': ip } });
    for (let i = 0; i < 5; i++) {
      const res = await get();
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      expect(res.headers.get('ratelimit-policy')).toBe('5;w=60');
      // The binding does not say how much is left: no header claims it.
      expect(res.headers.get('ratelimit-remaining')).toBeNull();
    }
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('ratelimit-reset')).toBe('60');
    // Another anonymous client has its own count.
    const other = await request('/v1/inventory/SKU-RL', {
      headers: { 'cf-connecting-ip': randomIp() },
    });
    expect(other.status).toBe(200);
  }, 40_000);

  it('counts a customer by identity, whatever address they come from', async () => {
    await freshWindow();
    const { accessToken } = await register();
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const res = await request('/v1/me', {
        headers: { authorization: `Bearer ${accessToken}`, 'cf-connecting-ip': randomIp() },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  }, 40_000);

  it('makes no Durable Object call on the hot path', async () => {
    const noObjects = {
      get: () => {
        throw new Error('the API limit must not reach a RateLimiter object');
      },
      idFromName: () => {
        throw new Error('the API limit must not reach a RateLimiter object');
      },
    } as unknown as GatewayEnv['RATE_LIMITER'];
    const res = await withEnv({ RATE_LIMITER: noObjects })('/v1/inventory/SKU-RL', {
      headers: { 'cf-connecting-ip': randomIp() },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe(env.RATE_LIMIT_API_CAPACITY);
  });

  it('fails open when the binding errors', async () => {
    const broken = {
      limit: () => Promise.reject(new Error('rate limiting unavailable')),
    } as unknown as RateLimit;
    const res = await withEnv({ API_RATE_LIMITER: broken })('/v1/inventory/SKU-RL', {
      headers: { 'cf-connecting-ip': randomIp() },
    });
    expect(res.status).toBe(200);
  });

  it('never limits health checks', async () => {
    const ip = randomIp();
    for (let i = 0; i < 7; i++) {
      const res = await request('/health', { headers: { 'cf-connecting-ip': ip } });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    }
  });
});

describe('limiter shards', () => {
  it('spreads keys over every shard and always maps a key to the same one', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add((await limiterFor(env, `ip:10.0.${i}`)).shard);
    expect(seen.size).toBe(Number(env.RATE_LIMIT_SHARDS));
    const a = await limiterFor(env, 'login-account:someone@example.test');
    const b = await limiterFor(env, 'login-account:someone@example.test');
    expect(a.shard).toBe(b.shard);
    expect(a.key).not.toContain('someone');
  });

  it('the sweep forgets hits that left their window, never live ones', async () => {
    const { stub } = await limiterFor(env, 'sweep-test');
    await stub.takeWindow('short-window', { max: 3, window_s: 0.01 });
    await stub.takeWindow('live-window', { max: 3, window_s: 900 });
    await new Promise((r) => setTimeout(r, 20));
    await runDurableObjectAlarm(stub);
    const hits = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ key: string }>('SELECT key FROM hits')
        .toArray()
        .map((r) => r.key),
    );
    expect(hits).not.toContain('short-window');
    expect(hits).toContain('live-window');
  });
});
