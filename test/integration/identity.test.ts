import { describe, expect, it } from 'vitest';
import { call, login, PASSWORD, register, uniqueEmail } from '../support/clients';

describe('identity flows', () => {
  it('register returns a token pair that authenticates /v1/me', async () => {
    const pair = await register({ region: 'eu', name: 'Ada' });
    expect(pair.customerId).toMatch(/^cus_/);
    expect(pair.region).toBe('eu');
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

  it('login with the right password works, with the wrong one is 401', async () => {
    const { email } = await register();
    expect((await login(email)).status).toBe(200);
    const bad = await login(email, 'wrong password!');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(((await bad.json()) as { type: string }).type).toMatch(/invalid_credentials$/);
  });

  it('an existing email is a 409', async () => {
    const { email } = await register();
    const res = await call('POST', '/v1/auth/register', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(409);
  });
});
