/**
 * The README's walkthrough of funding an account, over HTTP against the
 * local system: the simulated provider (`npm run provider -- topup …`) sends
 * a signed webhook and the customer's balance grows once, even when it
 * sends the same event again; sandbox deposits work in development.
 */
import { describe, expect, inject, it } from 'vitest';
// @ts-expect-error: plain ESM script, the one behind `npm run provider`.
import { topUp } from '../../scripts/provider.mjs';

const base = inject('baseUrl');

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('funding an account locally', () => {
  it('the simulated provider tops an account up once per event; sandbox deposits work in development', async () => {
    const email = `walkthrough.${crypto.randomUUID()}@example.test`;
    const registered = await post('/v1/auth/register', {
      email,
      password: 'correct horse battery staple',
      region: 'eu',
    });
    expect(registered.status).toBe(201);
    const { customerId, accessToken } = registered.body as {
      customerId: string;
      accessToken: string;
    };
    const eventId = `evt_${crypto.randomUUID().replaceAll('-', '')}`;
    const sent = { base, customerId, amount: 10_000, currency: 'USD', eventId };
    expect((await topUp(sent)).status).toBe(200);
    expect((await topUp(sent)).status).toBe(200);
    const auth = { authorization: `Bearer ${accessToken}` };
    const account = await fetch(`${base}/v1/accounts/me`, { headers: auth });
    expect(((await account.json()) as { balance: { amount: number } }).balance.amount).toBe(10_000);
    const deposit = await post(
      '/v1/accounts/me/deposits',
      { amount: 500 },
      {
        ...auth,
        'idempotency-key': `dep-${eventId}`,
      },
    );
    expect(deposit.status).toBe(201);
    expect((deposit.body as { balance: { amount: number } }).balance.amount).toBe(10_500);
  });
});
