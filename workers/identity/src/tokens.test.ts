import { env, exports } from 'cloudflare:workers';
import type { RegisterInput } from '@common/contracts/identity';
import { regionalDb } from '@common/regions';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import type IdentityService from './index';
import { deleteExpired, startFamily } from './sessions';
import { signingKeys } from './tokens';
import { identityDb } from './users';

const meta = { requestId: 'req_test', traceparent: '00-0-0-01' };
// The runner is the identity worker: its default export is IdentityService.
const identity = exports.default as unknown as Service<IdentityService>;

describe('access tokens', () => {
  it('are ES256 at+jwt with the first key’s kid and the customer’s claims', async () => {
    const email = `tok.${crypto.randomUUID()}@example.test`;
    const res = await identity.register({ email, password: 'a good password', region: 'eu' }, meta);
    if (!res.ok) throw new Error(res.problem.detail);
    const header = decodeProtectedHeader(res.value.accessToken);
    const keys = await signingKeys(env);
    expect(header).toEqual({ alg: 'ES256', kid: keys.kid, typ: 'at+jwt' });
    const claims = decodeJwt(res.value.accessToken);
    expect(claims).toMatchObject({
      sub: res.value.customerId,
      roles: ['customer'],
      region: 'eu',
      iss: env.JWT_ISSUER,
      aud: env.JWT_AUDIENCE,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(Number(env.ACCESS_TOKEN_TTL_S));
    expect(claims.nbf).toBe(claims.iat);
    expect(typeof claims.sid).toBe('string');
  });

  it('publishes every configured key without its private part', async () => {
    const jwks = await identity.jwks();
    expect(jwks.keys.length).toBe((JSON.parse(env.JWT_PRIVATE_KEYS) as unknown[]).length);
    for (const key of jwks.keys) {
      expect(key).not.toHaveProperty('d');
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    }
  });

  it('refuses a malformed key secret loudly', async () => {
    await expect(signingKeys({ ...env, JWT_PRIVATE_KEYS: 'not json' })).rejects.toThrow(/JSON/);
    await expect(signingKeys({ ...env, JWT_PRIVATE_KEYS: '[{"kty":"EC"}]' })).rejects.toThrow();
  });
});

describe('RPC input', () => {
  it('validates again at the service (defence in depth), answering a problem value', async () => {
    // Deliberately wrong input, as a buggy caller might send.
    const wrong = { email: 'nope', password: 'x', region: 'mars' } as unknown as RegisterInput;
    const res = await identity.register(wrong, meta);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.problem.status).toBe(400);
  });
});

describe('refresh-token cleanup', () => {
  it('deletes expired tokens only', async () => {
    const d1 = regionalDb(env, 'us', 'identityDb');
    const db = identityDb(d1);
    const now = Date.now();
    const expired = await startFamily(db, 'cus_cleanup', now - 10_000, 1);
    const live = await startFamily(db, 'cus_cleanup', now, 3600);
    expect(await deleteExpired(db, now)).toBeGreaterThanOrEqual(1);
    const left = await d1
      .prepare('SELECT family_id FROM refresh_tokens WHERE user_id = ?')
      .bind('cus_cleanup')
      .all<{ family_id: string }>();
    const families = left.results.map((r) => r.family_id);
    expect(families).toContain(live.familyId);
    expect(families).not.toContain(expired.familyId);
  });
});
