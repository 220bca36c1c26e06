/**
 * Rate limits: exact token buckets and sliding windows in Durable Objects.
 * Tests that need small limits run the real gateway app with those vars
 * (same routes, same Durable Objects), since the suite's defaults are high.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { withVars } from '../../test/support/app';
import { login, PASSWORD, randomIp, register, uniqueEmail } from '../../test/support/clients';
import { limiterFor } from './middleware';

const jsonPost = (body: unknown, ip: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
  body: JSON.stringify(body),
});

describe('login and register windows', () => {
  it('brute-forcing one account hits 429 (with Retry-After) even from many IPs', async () => {
    const { email } = await register();
    for (let i = 0; i < 5; i++) {
      expect((await login(email, `guess number ${i}`)).status).toBe(401);
    }
    const blocked = await login(email, 'guess number 6');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(blocked.headers.get('ratelimit-limit')).toBe('5');
    expect(blocked.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(blocked.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(blocked.headers.get('content-type')).toBe('application/problem+json');
    // While locked, even the right password is refused: the guesser learns nothing.
    expect((await login(email, PASSWORD)).status).toBe(429);
  });

  it('successful logins do not count against the account', async () => {
    const { email } = await register();
    for (let i = 0; i < 8; i++) expect((await login(email)).status).toBe(200);
  });

  it('concurrent guesses cannot slip past the window', async () => {
    const { email } = await register();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(email, `parallel guess ${i}`)),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('one IP is limited across accounts (login and register share the window)', async () => {
    const request = withVars({ RATE_LIMIT_AUTH_IP_MAX: '3' });
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

describe('API token bucket', () => {
  it('allows the capacity, then 429 with Retry-After and RateLimit-* headers', async () => {
    const request = withVars({ RATE_LIMIT_API_CAPACITY: '5', RATE_LIMIT_API_REFILL_PER_S: '0.5' });
    const ip = randomIp();
    const get = () => request('/v1/inventory/MRD-TEE-001', { headers: { 'cf-connecting-ip': ip } });
    for (let i = 0; i < 5; i++) {
      const res = await get();
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(4 - i));
    }
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(9);
    // Another anonymous client has its own bucket.
    const other = await request('/v1/inventory/MRD-TEE-001', {
      headers: { 'cf-connecting-ip': randomIp() },
    });
    expect(other.status).toBe(200);
  });

  it('is exact under concurrency: of 20 simultaneous requests, capacity 8, 8 pass', async () => {
    const request = withVars({
      RATE_LIMIT_API_CAPACITY: '8',
      RATE_LIMIT_API_REFILL_PER_S: '0.001',
    });
    const ip = randomIp();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        request('/v1/inventory/MRD-TEE-001', { headers: { 'cf-connecting-ip': ip } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(8);
    expect(results.filter((r) => r.status === 429)).toHaveLength(12);
  });

  it('counts a customer by identity, whatever IP they come from', async () => {
    const request = withVars({
      RATE_LIMIT_API_CAPACITY: '3',
      RATE_LIMIT_API_REFILL_PER_S: '0.001',
    });
    const { accessToken } = await register();
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await request('/v1/me', {
        headers: { authorization: `Bearer ${accessToken}`, 'cf-connecting-ip': randomIp() },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('refills over time', async () => {
    const request = withVars({ RATE_LIMIT_API_CAPACITY: '1', RATE_LIMIT_API_REFILL_PER_S: '10' });
    const ip = randomIp();
    const get = () => request('/v1/inventory/MRD-TEE-001', { headers: { 'cf-connecting-ip': ip } });
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
    await new Promise((r) => setTimeout(r, 250));
    expect((await get()).status).toBe(200);
  });

  it('never limits health checks', async () => {
    const request = withVars({
      RATE_LIMIT_API_CAPACITY: '1',
      RATE_LIMIT_API_REFILL_PER_S: '0.001',
    });
    const ip = randomIp();
    for (let i = 0; i < 5; i++) {
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
    const a = await limiterFor(env, 'customer:cus_X');
    const b = await limiterFor(env, 'customer:cus_X');
    expect(a.shard).toBe(b.shard);
    expect(a.key).not.toContain('cus_X');
  });

  it('the sweep forgets restored buckets and expired hits, never live ones', async () => {
    const { stub } = await limiterFor(env, 'sweep-test');
    await stub.takeToken('restored', { capacity: 2, refill_per_s: 1000 });
    await stub.takeToken('draining', { capacity: 2, refill_per_s: 0.0001 });
    await stub.takeWindow('live-window', { max: 3, window_s: 900 });
    await new Promise((r) => setTimeout(r, 20));
    await runDurableObjectAlarm(stub);
    const keys = await runInDurableObject(stub, (_instance, state) => ({
      buckets: state.storage.sql
        .exec<{ key: string }>('SELECT key FROM buckets')
        .toArray()
        .map((r) => r.key),
      hits: state.storage.sql
        .exec<{ key: string }>('SELECT key FROM hits')
        .toArray()
        .map((r) => r.key),
    }));
    expect(keys.buckets).not.toContain('restored');
    expect(keys.buckets).toContain('draining');
    expect(keys.hits).toContain('live-window');
  });
});
