/** The identity routes of the contract, end to end through the gateway and the identity worker. */
import { describe, expect, it } from 'vitest';
import {
  admin,
  BASE,
  call,
  gateway,
  login,
  operatorKey,
  PASSWORD,
  register,
  type TokenPair,
  uniqueEmail,
} from '../../test/support/clients';

const refresh = (refreshToken: string) =>
  call('POST', '/v1/auth/refresh', { body: { refreshToken } });

async function problemType(res: Response): Promise<string> {
  return ((await res.json()) as { type: string }).type.replace(/^.*\//, '');
}

describe('register and login', () => {
  it('register returns a token pair (not cacheable) that authenticates /v1/me', async () => {
    const pair = await register({ region: 'eu', name: 'Ada' });
    expect(pair.customerId).toMatch(/^cus_[0-9A-Z]{26}$/);
    expect(pair.region).toBe('eu');
    expect(pair.expiresIn).toBe(900);
    const res = await call('GET', '/v1/me', { token: pair.accessToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      customerId: pair.customerId,
      email: pair.email,
      name: 'Ada',
      region: 'eu',
      roles: ['customer'],
    });
  });

  it('token responses are marked no-store', async () => {
    const res = await call('POST', '/v1/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('login with the right password works; a wrong password or unknown email is 401', async () => {
    const { email } = await register();
    expect((await login(email)).status).toBe(200);
    const bad = await login(email, 'wrong password!');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await problemType(bad)).toBe('invalid_credentials');
    const unknown = await login(uniqueEmail('nobody'));
    expect(unknown.status).toBe(401);
    expect(await problemType(unknown)).toBe('invalid_credentials');
  });

  it('emails are case-insensitive: same account for login, 409 for a second registration', async () => {
    const email = uniqueEmail('Mixed.Case');
    await register({ email });
    expect((await login(email.toLowerCase())).status).toBe(200);
    const again = await call('POST', '/v1/auth/register', {
      body: { email: email.toUpperCase(), password: PASSWORD },
    });
    expect(again.status).toBe(409);
  });

  it('concurrent registrations of one email: the store lets exactly one through', async () => {
    const email = uniqueEmail('race');
    // Each from its own address, so no register window refuses any of them.
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('POST', '/v1/auth/register', { body: { email, password: PASSWORD } }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(4);
  });

  it('a weak password or a malformed email is a 400 naming the field', async () => {
    const res = await call('POST', '/v1/auth/register', {
      body: { email: 'not-an-email', password: 'short' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual(['email', 'password']);
  });
});

describe('home region', () => {
  it('without an explicit region it follows the request’s continent', async () => {
    const register = (continent: string) =>
      gateway.fetch(
        new Request(`${BASE}/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': '10.9.9.9' },
          body: JSON.stringify({ email: uniqueEmail(), password: PASSWORD }),
          cf: { continent },
        }),
      );
    const regions = await Promise.all(
      ['AS', 'EU', 'NA'].map(async (continent) => {
        const res = await register(continent);
        expect(res.status).toBe(201);
        return ((await res.json()) as TokenPair).region;
      }),
    );
    expect(regions).toEqual(['apac', 'eu', 'us']);
  });

  it('an explicit region must be a configured one', async () => {
    const res = await call('POST', '/v1/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, region: 'mars' },
    });
    expect(res.status).toBe(400);
  });

  it('clients cannot assign roles (or any unknown field) at registration', async () => {
    const res = await call('POST', '/v1/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, roles: ['admin'] },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/roles/);
  });

  it('the home region stays the registered one on login and refresh, whatever the location', async () => {
    const pair = await register({ region: 'apac' });
    const again = await call('POST', '/v1/auth/login', {
      body: { email: pair.email, password: PASSWORD },
      headers: { 'x-meridian-region': 'eu' },
    });
    expect(((await again.json()) as TokenPair).region).toBe('apac');
    const rotated = (await (await refresh(pair.refreshToken)).json()) as TokenPair;
    expect(rotated.region).toBe('apac');
    const me = await call('GET', '/v1/me', { token: rotated.accessToken });
    expect(((await me.json()) as { region: string }).region).toBe('apac');
  });
});

describe('refresh rotation', () => {
  it('a refresh token works once and yields a new working pair', async () => {
    const pair = await register();
    const first = await refresh(pair.refreshToken);
    expect(first.status).toBe(200);
    const next = (await first.json()) as TokenPair;
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    expect((await call('GET', '/v1/me', { token: next.accessToken })).status).toBe(200);
    expect((await refresh(next.refreshToken)).status).toBe(200);
  });

  it('reusing a spent token is a 401 and revokes its whole family', async () => {
    const pair = await register();
    const next = (await (await refresh(pair.refreshToken)).json()) as TokenPair;
    const reuse = await refresh(pair.refreshToken);
    expect(reuse.status).toBe(401);
    expect(await problemType(reuse)).toBe('refresh_token_reused');
    // The legitimate successor dies with the family.
    const successor = await refresh(next.refreshToken);
    expect(successor.status).toBe(401);
    expect(await problemType(successor)).toBe('refresh_token_revoked');
  });

  it('of concurrent uses of one token exactly one succeeds', async () => {
    const pair = await register();
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(pair.refreshToken)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(4);
  });

  it('other sessions of the same customer are not affected by a revoked family', async () => {
    const pair = await register();
    const other = (await (await login(pair.email)).json()) as TokenPair;
    await refresh(pair.refreshToken);
    await refresh(pair.refreshToken); // reuse: revokes the first family only
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  it('unknown or malformed refresh tokens are 401', async () => {
    expect((await refresh(`rt_${'A'.repeat(43)}`)).status).toBe(401);
    expect((await refresh('nonsense')).status).toBe(401);
  });
});

describe('logout', () => {
  it('revokes the session’s refresh family (204), leaving other sessions alone', async () => {
    const pair = await register();
    const other = (await (await login(pair.email)).json()) as TokenPair;
    const res = await call('POST', '/v1/auth/logout', { token: pair.accessToken });
    expect(res.status).toBe(204);
    const after = await refresh(pair.refreshToken);
    expect(after.status).toBe(401);
    expect(await problemType(after)).toBe('refresh_token_revoked');
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  it('needs an access token', async () => {
    expect((await call('POST', '/v1/auth/logout')).status).toBe(401);
  });
});

describe('admin bootstrap', () => {
  it('ensureAdmin is idempotent and yields an admin who can log in', async () => {
    const email = uniqueEmail('ops');
    const body = { email, password: PASSWORD };
    const first = await call('PUT', '/v1/admin/admins', { apiKey: operatorKey(), body });
    expect(await first.json()).toMatchObject({ created: true });
    const second = await call('PUT', '/v1/admin/admins', { apiKey: operatorKey(), body });
    expect(await second.json()).toMatchObject({ created: false });
    const pair = (await (await login(email)).json()) as TokenPair;
    const me = await call('GET', '/v1/me', { token: pair.accessToken });
    expect(((await me.json()) as { roles: string[] }).roles).toEqual(['customer', 'admin']);
  });

  it('never takes over a customer: their email is a 409 and their password and roles stay', async () => {
    const customer = await register();
    const res = await call('PUT', '/v1/admin/admins', {
      apiKey: operatorKey(),
      body: { email: customer.email, password: 'a brand new password' },
    });
    expect(res.status).toBe(409);
    expect(await problemType(res)).toBe('email_belongs_to_customer');
    // The same password as the customer's changes nothing either.
    const same = await call('PUT', '/v1/admin/admins', {
      apiKey: operatorKey(),
      body: { email: customer.email, password: PASSWORD },
    });
    expect(same.status).toBe(409);
    await same.arrayBuffer();
    expect((await login(customer.email, 'a brand new password')).status).toBe(401);
    const pair = (await (await login(customer.email)).json()) as TokenPair;
    const me = await call('GET', '/v1/me', { token: pair.accessToken });
    expect(((await me.json()) as { roles: string[] }).roles).toEqual(['customer']);
  });

  it('never resets an admin: another password is a 409 and the old one still logs in', async () => {
    const email = uniqueEmail('ops');
    const first = await call('PUT', '/v1/admin/admins', {
      apiKey: operatorKey(),
      body: { email, password: PASSWORD },
    });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const other = await call('PUT', '/v1/admin/admins', {
      apiKey: operatorKey(),
      body: { email, password: 'a brand new password' },
    });
    expect(other.status).toBe(409);
    expect(await problemType(other)).toBe('admin_exists_with_other_password');
    expect((await login(email, 'a brand new password')).status).toBe(401);
    expect((await login(email)).status).toBe(200);
  });

  it('only the operator API key may call it, not even an admin token', async () => {
    const body = { email: uniqueEmail(), password: PASSWORD };
    const customer = await register();
    const adminUser = await admin();
    expect((await call('PUT', '/v1/admin/admins', { body })).status).toBe(401);
    expect(
      (await call('PUT', '/v1/admin/admins', { token: customer.accessToken, body })).status,
    ).toBe(403);
    expect(
      (await call('PUT', '/v1/admin/admins', { token: adminUser.accessToken, body })).status,
    ).toBe(403);
  });
});
