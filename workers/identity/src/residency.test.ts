/**
 * Residency of identity: a customer's email, name, password hash, roles and
 * refresh tokens are written to their home region's database only; the
 * global directory holds a keyed hash of the email → region and nothing
 * else. Register, login, refresh, me and logout work for every region, an
 * email stays unique across regions, and failures never leave an email
 * blocked for good.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { TokenPair } from '@common/contracts/identity';
import { REGIONS, type Region, regionalDb } from '@common/regions';
import { describe, expect, it } from 'vitest';
import { ABANDONED_CLAIM_MS } from './accounts';
import { emailKey } from './directory';
import IdentityService from './index';
import { toBase64Url } from './password';

const meta = { requestId: 'req_residency', traceparent: '00-0-0-01' };
const identity = exports.default as unknown as Service<IdentityService>;
const PASSWORD = 'a residency password';
const email = (tag: string) => `${tag}.${crypto.randomUUID()}@example.test`;

/** A database that does not answer (an outage stand-in for a real binding). */
const unreachable = {
  prepare: () => {
    throw new Error('D1_ERROR: network connection lost (test outage)');
  },
} as unknown as D1Database;

async function registered(region: Region, address = email(region), name = 'Ada Lovelace') {
  const res = await identity.register({ email: address, password: PASSWORD, name, region }, meta);
  if (!res.ok) throw new Error(res.problem.detail);
  return res.value;
}

async function countByRegion(sql: string, value: string) {
  const counts = await Promise.all(
    REGIONS.map(async (region) => {
      const row = await regionalDb(env, region, 'identityDb')
        .prepare(sql)
        .bind(value)
        .first<{ n: number }>();
      return [region, row?.n ?? 0] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<Region, number>;
}

const only = (region: Region, n = 1) =>
  Object.fromEntries(REGIONS.map((r) => [r, r === region ? n : 0]));

async function directoryRows() {
  const { results } = await env.IDENTITY_DB.prepare('SELECT * FROM email_directory').all<
    Record<string, unknown>
  >();
  return results;
}

describe('identity residency', () => {
  it('an eu customer’s identity is in the eu database only; the directory has a keyed hash → eu', async () => {
    const address = email('resident');
    const pair = await registered('eu', address, 'Émilie du Châtelet');
    expect(await countByRegion('SELECT COUNT(*) AS n FROM users WHERE email = ?', address)).toEqual(
      only('eu'),
    );
    expect(
      await countByRegion(
        'SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = ?',
        pair.customerId,
      ),
    ).toEqual(only('eu'));

    const key = await emailKey(env.EMAIL_INDEX_KEY, address);
    const rows = await directoryRows();
    expect(rows.filter((r) => r.email_key === key)).toEqual([
      { email_key: key, region: 'eu', created_at: expect.any(Number) },
    ]);
    // Nothing personal in the clear, and not an unkeyed hash anyone could recompute.
    const text = JSON.stringify(rows);
    for (const secret of [address, address.split('@')[0] ?? '', 'Émilie', pair.customerId])
      expect(text).not.toContain(secret);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(address));
    expect(key).not.toBe(toBase64Url(new Uint8Array(digest)));
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(['created_at', 'email_key', 'region']);
  });

  it.each(REGIONS)(
    'register, login, refresh, me and logout work for a %s customer',
    async (region) => {
      const address = email('flow');
      await registered(region, address);
      const login = await identity.login({ email: address, password: PASSWORD }, meta);
      expect(login).toMatchObject({ ok: true, value: { region } });
      const pair = (login as { value: TokenPair }).value;
      const refreshed = await identity.refresh({ refreshToken: pair.refreshToken }, meta);
      expect(refreshed).toMatchObject({ ok: true, value: { region, customerId: pair.customerId } });
      expect(await identity.me(pair.customerId)).toMatchObject({
        ok: true,
        value: { email: address, region, name: 'Ada Lovelace' },
      });
      const next = (refreshed as { value: TokenPair }).value;
      const sid = JSON.parse(atob(next.accessToken.split('.')[1] ?? '')).sid as string;
      expect(await identity.logout({ customerId: pair.customerId, sessionId: sid }, meta)).toEqual({
        ok: true,
        value: { revoked: true },
      });
      expect(await identity.refresh({ refreshToken: next.refreshToken }, meta)).toMatchObject({
        ok: false,
        problem: { status: 401, code: 'refresh_token_revoked' },
      });
      expect(
        await identity.login({ email: address, password: 'wrong password' }, meta),
      ).toMatchObject({
        ok: false,
        problem: { status: 401 },
      });
    },
  );

  it('an email is unique across regions, also when registered concurrently', async () => {
    const address = email('unique');
    await registered('eu', address);
    const again = await identity.register(
      { email: address, password: PASSWORD, region: 'us' },
      meta,
    );
    expect(again).toMatchObject({ ok: false, problem: { status: 409, code: 'email_taken' } });

    const raced = email('race');
    const results = await Promise.all(
      REGIONS.map((region) =>
        identity.register({ email: raced, password: PASSWORD, region }, meta),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const counts = await countByRegion('SELECT COUNT(*) AS n FROM users WHERE email = ?', raced);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('failures never block an email for good', () => {
  it('a registration whose regional insert fails releases its claim', async () => {
    const address = email('released');
    const down = new IdentityService(createExecutionContext(), {
      ...env,
      IDENTITY_DB_EU: unreachable,
    });
    await expect(
      down.register({ email: address, password: PASSWORD, region: 'eu' }, meta),
    ).rejects.toThrow(/network connection lost/);
    const key = await emailKey(env.EMAIL_INDEX_KEY, address);
    expect((await directoryRows()).some((r) => r.email_key === key)).toBe(false);
    expect(
      (await identity.register({ email: address, password: PASSWORD, region: 'eu' }, meta)).ok,
    ).toBe(true);
  });

  it('an abandoned claim is taken over after a while; a fresh one is an email in use', async () => {
    const stale = email('abandoned');
    const fresh = email('inflight');
    const now = Date.now();
    for (const [address, createdAt] of [
      [stale, now - ABANDONED_CLAIM_MS - 1000],
      [fresh, now],
    ] as const) {
      await env.IDENTITY_DB.prepare(
        'INSERT INTO email_directory (email_key, region, created_at) VALUES (?, ?, ?)',
      )
        .bind(await emailKey(env.EMAIL_INDEX_KEY, address), 'apac', createdAt)
        .run();
    }
    const taken = await identity.register({ email: stale, password: PASSWORD, region: 'us' }, meta);
    expect(taken).toMatchObject({ ok: true, value: { region: 'us' } });
    const blocked = await identity.register(
      { email: fresh, password: PASSWORD, region: 'us' },
      meta,
    );
    expect(blocked).toMatchObject({ ok: false, problem: { status: 409 } });
  });

  it('with a region unreachable: others still refresh; an unknown token is 503, not 401', async () => {
    const us = await registered('us');
    const down = new IdentityService(createExecutionContext(), {
      ...env,
      IDENTITY_DB_APAC: unreachable,
    });
    expect(await down.refresh({ refreshToken: us.refreshToken }, meta)).toMatchObject({
      ok: true,
      value: { region: 'us' },
    });
    const unknown = `rt_${'A'.repeat(43)}`;
    expect(await down.refresh({ refreshToken: unknown }, meta)).toMatchObject({
      ok: false,
      problem: { status: 503, code: 'identity_unavailable' },
    });
    expect(await identity.refresh({ refreshToken: unknown }, meta)).toMatchObject({
      ok: false,
      problem: { status: 401, code: 'refresh_token_unknown' },
    });
  });
});

describe('customerRegion (for services that must reach a customer they have not met)', () => {
  it('tells the home region of any registered customer, and nothing personal', async () => {
    for (const region of REGIONS) {
      const { customerId } = await registered(region);
      expect(await identity.customerRegion(customerId)).toEqual({
        ok: true,
        value: { customerId, region },
      });
    }
  });

  it('an id that is no customer (or not an id at all) is a 404', async () => {
    for (const id of ['cus_01M80000000000000000000000', 'not-an-id', '']) {
      expect(await identity.customerRegion(id)).toMatchObject({
        ok: false,
        problem: { status: 404, code: 'customer_not_found' },
      });
    }
  });
});
