/**
 * Attacks on access tokens. Each forged token differs from an accepted one
 * (the control) in exactly one respect, and the gateway must refuse it with
 * 401 and the reason that names the broken check.
 */
import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair, importJWK, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { call, register } from '../../test/support/clients';
import { createApp } from '../app';
import { TokenMemo } from './token-memo';
import { verifyAccessToken } from './verify';

type PrivateJwk = { kid: string; d: string; [k: string]: unknown };
const privateKeys = JSON.parse(
  (env as unknown as { TEST_JWT_PRIVATE_KEYS: string }).TEST_JWT_PRIVATE_KEYS,
) as PrivateJwk[];

const now_s = () => Math.floor(Date.now() / 1000);
const b64url = (text: string) =>
  btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

let customer: { customerId: string; accessToken: string; region: string };

function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    sub: customer.customerId,
    roles: ['customer'],
    region: customer.region,
    sid: 'test-session',
    iss: env.JWT_ISSUER,
    aud: env.JWT_AUDIENCE,
    iat: now_s(),
    nbf: now_s(),
    exp: now_s() + 300,
    ...overrides,
  };
}

async function sign(
  payload: JWTPayload,
  {
    jwk = privateKeys[0],
    header = {},
  }: { jwk?: PrivateJwk; header?: Record<string, unknown> } = {},
): Promise<string> {
  if (!jwk) throw new Error('no dev key');
  const key = await importJWK(jwk, 'ES256');
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt', ...header })
    .sign(key);
}

async function refusedWith(token: string, reason: string): Promise<void> {
  const res = await call('GET', '/v1/me', { token });
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  const body = (await res.json()) as { type: string };
  expect(body.type).toBe(`https://meridian.dev/problems/${reason}`);
}

beforeAll(async () => {
  customer = await register();
});

describe('access-token verification', () => {
  it('control: a correctly signed token with valid claims is accepted', async () => {
    const res = await call('GET', '/v1/me', { token: await sign(claims()) });
    expect(res.status).toBe(200);
  });

  it('either of the two active keys verifies (rotation without downtime)', async () => {
    expect(privateKeys.length).toBe(2);
    for (const jwk of privateKeys) {
      const res = await call('GET', '/v1/me', { token: await sign(claims(), { jwk }) });
      expect(res.status).toBe(200);
    }
  });

  it('refuses alg "none" (an unsigned token claiming admin)', async () => {
    const header = b64url(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: privateKeys[0]?.kid }));
    const payload = b64url(JSON.stringify(claims({ roles: ['customer', 'admin'] })));
    const token = `${header}.${payload}.`;
    await refusedWith(token, 'token_algorithm_refused');
    const restock = await call('POST', '/v1/inventory/SKU-1/restock', {
      token,
      body: { quantity: 1 },
    });
    expect(restock.status).toBe(401);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const publicJwk = { ...privateKeys[0], d: undefined };
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: privateKeys[0]?.kid, typ: 'at+jwt' })
      .sign(secret);
    await refusedWith(token, 'token_algorithm_refused');
  });

  it('refuses a token signed with another key under a known kid', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const forged = { ...(await exportJWK(privateKey)), kid: privateKeys[0]?.kid ?? '' };
    await refusedWith(
      await sign(claims(), { jwk: forged as PrivateJwk }),
      'token_signature_invalid',
    );
  });

  it('refuses an unknown kid, and a token without kid', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const stranger = { ...(await exportJWK(privateKey)), kid: 'not-a-configured-key' };
    await refusedWith(await sign(claims(), { jwk: stranger as PrivateJwk }), 'token_key_unknown');
    const key = await importJWK(privateKeys[0] ?? {}, 'ES256');
    const noKid = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .sign(key);
    await refusedWith(noKid, 'token_key_unknown');
  });

  it('refuses a tampered payload (roles raised to admin after signing)', async () => {
    const [header, , signature] = customer.accessToken.split('.');
    const payload = JSON.parse(
      atob((customer.accessToken.split('.')[1] ?? '').replaceAll('-', '+').replaceAll('_', '/')),
    ) as JWTPayload;
    const tampered = `${header}.${b64url(JSON.stringify({ ...payload, roles: ['customer', 'admin'] }))}.${signature}`;
    await refusedWith(tampered, 'token_signature_invalid');
  });

  it('refuses the wrong audience and the wrong issuer', async () => {
    await refusedWith(await sign(claims({ aud: 'another-api' })), 'token_claims_invalid');
    await refusedWith(await sign(claims({ iss: 'https://evil.example' })), 'token_claims_invalid');
  });

  it('refuses an expired token, tolerating only a small clock skew', async () => {
    await refusedWith(
      await sign(claims({ iat: now_s() - 3600, nbf: now_s() - 3600, exp: now_s() - 120 })),
      'token_expired',
    );
    const justExpired = await sign(
      claims({ iat: now_s() - 600, nbf: now_s() - 600, exp: now_s() - 5 }),
    );
    expect((await call('GET', '/v1/me', { token: justExpired })).status).toBe(200);
  });

  it('refuses a token older than the maximum age even though it has not expired', async () => {
    const max_age_s = Number(env.JWT_MAX_AGE_S);
    // As a leaked or development key would mint it: a far exp.
    const ancient = await sign(
      claims({
        iat: now_s() - max_age_s - 120,
        nbf: now_s() - max_age_s - 120,
        exp: now_s() + 86_400,
      }),
    );
    await refusedWith(ancient, 'token_too_old');
    const young = await sign(claims({ iat: now_s() - max_age_s + 60, exp: now_s() + 86_400 }));
    expect((await call('GET', '/v1/me', { token: young })).status).toBe(200);
  });

  it('refuses a token that is not valid yet (nbf beyond the skew)', async () => {
    await refusedWith(await sign(claims({ nbf: now_s() + 600 })), 'token_not_yet_valid');
  });

  it('refuses another kind of JWT (typ is not at+jwt)', async () => {
    await refusedWith(await sign(claims(), { header: { typ: 'JWT' } }), 'token_claims_invalid');
  });

  it('refuses validly signed tokens whose claims are malformed', async () => {
    await refusedWith(await sign(claims({ region: 'mars' })), 'token_claims_invalid');
    await refusedWith(await sign(claims({ roles: ['superuser'] })), 'token_claims_invalid');
    await refusedWith(await sign(claims({ sub: 'cus_../../admin' })), 'token_claims_invalid');
  });

  it('refuses other schemes and garbage where credentials are needed', async () => {
    const basic = await call('GET', '/v1/me', { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
    const garbage = await call('GET', '/v1/me', { headers: { authorization: 'Bearer x.y' } });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('a refused token leaves public routes usable (refresh works with a stale header)', async () => {
    const expired = await sign(
      claims({ iat: now_s() - 3600, nbf: now_s() - 3600, exp: now_s() - 600 }),
    );
    const res = await call('POST', '/v1/auth/refresh', {
      token: expired,
      body: { refreshToken: (await register()).refreshToken },
    });
    expect(res.status).toBe(200);
    // ...but it never grants anything: an admin route still answers 401.
    const restock = await call('POST', '/v1/inventory/SKU-1/restock', {
      token: expired,
      body: { quantity: 1 },
    });
    expect(restock.status).toBe(401);
  });

  it('the gateway publishes exactly the public halves of identity’s signing keys', async () => {
    const res = await call('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    const served = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(served).toEqual(await env.IDENTITY.jwks());
    for (const key of served.keys) expect(key).not.toHaveProperty('d');
  });
});

describe('verified-token memo', () => {
  const at = (offset_s: number) => new Date((now_s() + offset_s) * 1000);

  it('a second request with the same token checks no signature', async () => {
    const token = await sign(claims());
    const spy = vi.spyOn(crypto.subtle, 'verify');
    expect((await verifyAccessToken(token, env)).ok).toBe(true);
    const first = spy.mock.calls.length;
    expect(first).toBeGreaterThan(0);
    expect((await verifyAccessToken(token, env)).ok).toBe(true);
    expect(spy.mock.calls.length).toBe(first);
    spy.mockRestore();
  });

  it('costs far less than a verification: measured inside workerd', async () => {
    const runs = 100;
    const tokens = await Promise.all(
      Array.from({ length: runs }, (_, i) => sign(claims({ sid: `memo-${i}` }))),
    );
    // workerd's clock moves only between I/O events: time a batch between two timer ticks.
    const tick = () => new Promise((r) => setTimeout(r, 0));
    const batch_ms = async () => {
      await tick();
      const started = Date.now();
      for (const token of tokens) expect((await verifyAccessToken(token, env)).ok).toBe(true);
      await tick();
      return Date.now() - started;
    };
    const verified = await batch_ms();
    const remembered = await batch_ms();
    console.log(
      `access-token check, ${runs} tokens: verified ${(verified / runs).toFixed(3)} ms each, remembered ${(remembered / runs).toFixed(3)} ms each`,
    );
    expect(remembered).toBeLessThan(verified);
  });

  it('a remembered token is refused once it expires', async () => {
    const token = await sign(claims({ exp: now_s() + 60 }));
    expect((await verifyAccessToken(token, env, { now: at(0) })).ok).toBe(true);
    expect(await verifyAccessToken(token, env, { now: at(50) })).toMatchObject({ ok: true });
    const skew_s = Number(env.JWT_CLOCK_SKEW_S);
    expect(await verifyAccessToken(token, env, { now: at(60 + skew_s + 1) })).toEqual({
      ok: false,
      reason: 'token_expired',
    });
  });

  it('a remembered token is refused once it is older than the maximum age', async () => {
    const token = await sign(claims({ exp: now_s() + 86_400 }));
    expect((await verifyAccessToken(token, env, { now: at(0) })).ok).toBe(true);
    const later = Number(env.JWT_MAX_AGE_S) + Number(env.JWT_CLOCK_SKEW_S) + 2;
    expect(await verifyAccessToken(token, env, { now: at(later) })).toEqual({
      ok: false,
      reason: 'token_too_old',
    });
  });

  it('a remembered token is refused once the key that signed it is revoked', async () => {
    const [first, second] = privateKeys;
    if (!first || !second) throw new Error('two dev keys expected');
    const token = await sign(claims(), { jwk: first });
    expect((await call('GET', '/v1/me', { token })).status).toBe(200);
    // Rotation finished: only the second key is left in the gateway's set.
    const jwks = JSON.parse(env.JWT_PUBLIC_KEYS) as { keys: { kid: string }[] };
    const revoked = {
      ...env,
      JWT_PUBLIC_KEYS: JSON.stringify({ keys: jwks.keys.filter((k) => k.kid === second.kid) }),
    } as GatewayEnv;
    expect(await verifyAccessToken(token, revoked)).toEqual({
      ok: false,
      reason: 'token_key_unknown',
    });
    const res = await createApp().request(
      'http://meridian.test/v1/me',
      { headers: { authorization: `Bearer ${token}` } },
      revoked,
    );
    expect(res.status).toBe(401);
  });

  it('is bounded: the oldest entry leaves first', () => {
    const memo = new TokenMemo(2);
    const c = { sub: 'cus_A', roles: ['customer' as const], region: 'us' as const, sid: 's' };
    memo.set('t1', 'k', c, Date.now() + 60_000);
    memo.set('t2', 'k', c, Date.now() + 60_000);
    memo.set('t3', 'k', c, Date.now() + 60_000);
    expect(memo.size).toBe(2);
    expect(memo.get('t1', 'k', Date.now())).toBeUndefined();
    expect(memo.get('t3', 'k', Date.now())).toEqual(c);
    // Other verification settings: nothing remembered counts.
    expect(memo.get('t3', 'other keys', Date.now())).toBeUndefined();
    expect(memo.size).toBe(0);
  });
});
