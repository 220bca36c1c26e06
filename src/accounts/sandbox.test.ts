/**
 * Finding 2 of issue 17, reproduced: a customer "deposits" 1e10 with no
 * funding source. In a production config that is a 403 and no balance
 * changes; where sandbox deposits are on (development, tests) it still works.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newKey, readAccount, register } from '../../test/support/clients';
import { createApp } from '../app';
import { sandboxDepositsEnabled } from './sandbox';

const MINT = { amount: 10_000_000_000 };

function depositWith(vars: Partial<GatewayEnv>, token: string, key = newKey()) {
  return createApp().request(
    'http://meridian.test/v1/accounts/me/deposits',
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(MINT),
    },
    { ...env, ...vars } as GatewayEnv,
  );
}

describe('sandbox deposits', () => {
  it('in a production config, minting money is a 403 deposits_disabled and changes nothing', async () => {
    const customer = await register();
    for (const vars of [
      { ENVIRONMENT: 'production', SANDBOX_DEPOSITS: 'disabled' },
      // Even a production config that forgot to turn them off.
      { ENVIRONMENT: 'production', SANDBOX_DEPOSITS: 'enabled' },
      // Any deployment that does not turn them on.
      { ENVIRONMENT: 'staging', SANDBOX_DEPOSITS: undefined },
    ]) {
      const key = newKey();
      const res = await depositWith(vars, customer.accessToken, key);
      expect(res.status, JSON.stringify(vars)).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { type: string }).type).toMatch(/\/deposits_disabled$/);
      // The key was not taken: nothing was recorded for it.
      expect((await depositWith(vars, customer.accessToken, key)).status).toBe(403);
    }
    expect((await readAccount(customer.accessToken)).balance.amount).toBe(0);
  });

  it('are on in development and tests (the committed config)', async () => {
    expect(sandboxDepositsEnabled(env)).toBe(true);
    const customer = await register();
    const res = await depositWith({ ENVIRONMENT: 'development' }, customer.accessToken);
    expect(res.status).toBe(201);
    expect((await readAccount(customer.accessToken)).balance.amount).toBe(MINT.amount);
  });
});
