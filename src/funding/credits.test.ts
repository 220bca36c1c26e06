/**
 * Admin credits: the operators' way to put money into an account, always
 * with a reason, recorded on the ledger with who credited; and the audit of
 * every entry of money into an account.
 */
import { describe, expect, it } from 'vitest';
import {
  admin,
  call,
  newKey,
  operatorKey,
  readAccount,
  register,
} from '../../test/support/clients';
import { sendWebhook, topUpEvent } from '../../test/support/provider';

const credits = (customerId: string) => `/v1/admin/accounts/${customerId}/credits`;

interface CreditsBody {
  items: {
    source: string;
    amount: { amount: number };
    by?: string;
    reason?: string;
    eventId?: string;
  }[];
  nextCursor: number | null;
}

describe('admin credits', () => {
  it('an operator credits a customer, in their home region, with the reason and who on record', async () => {
    const customer = await register({ region: 'apac' });
    const key = newKey();
    const body = { amount: 1500, reason: 'refund of a lost parcel, ticket 4411' };
    const res = await call('POST', credits(customer.customerId), {
      apiKey: operatorKey(),
      body,
      headers: { 'idempotency-key': key },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      customerId: customer.customerId,
      balance: { amount: 1500 },
      creditedBy: 'operator',
    });
    // A replay of the same key is the stored answer, with one credit.
    const again = await call('POST', credits(customer.customerId), {
      apiKey: operatorKey(),
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await readAccount(customer.accessToken)).balance.amount).toBe(1500);
    const audit = await call('GET', credits(customer.customerId), { apiKey: operatorKey() });
    expect(audit.status).toBe(200);
    const { items } = (await audit.json()) as CreditsBody;
    expect(items).toEqual([
      expect.objectContaining({
        source: 'admin',
        amount: expect.objectContaining({ amount: 1500 }),
        by: 'operator',
        reason: body.reason,
      }),
    ]);
  });

  it('an admin’s token is recorded as that admin', async () => {
    const [customer, boss] = await Promise.all([register(), admin()]);
    const res = await call('POST', credits(customer.customerId), {
      token: boss.accessToken,
      body: { amount: 10, reason: 'goodwill' },
      headers: { 'idempotency-key': newKey() },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { creditedBy: string }).creditedBy).toBe(
      `admin:${boss.customerId}`,
    );
  });

  it('the audit lists every entry of money with its source', async () => {
    const customer = await register();
    const event = topUpEvent(customer.customerId, 700);
    expect((await sendWebhook(event)).status).toBe(200);
    await call('POST', credits(customer.customerId), {
      apiKey: operatorKey(),
      body: { amount: 5, reason: 'rounding fix' },
      headers: { 'idempotency-key': newKey() },
    });
    const { items } = (await (
      await call('GET', credits(customer.customerId), { apiKey: operatorKey() })
    ).json()) as CreditsBody;
    expect(items.map((i) => i.source)).toEqual(['admin', 'provider']);
    expect(items[1]?.eventId).toBe(event.id);
  });

  it('needs a reason, an admin, and a customer that exists; refusals change nothing', async () => {
    const customer = await register();
    const post = (options: Parameters<typeof call>[2]) =>
      call('POST', credits(customer.customerId), {
        ...options,
        headers: { 'idempotency-key': newKey(), ...options?.headers },
      });
    expect((await post({ apiKey: operatorKey(), body: { amount: 5 } })).status).toBe(400);
    expect((await post({ apiKey: operatorKey(), body: { amount: 5, reason: ' ' } })).status).toBe(
      400,
    );
    // A customer cannot credit anyone, themselves included.
    expect(
      (await post({ token: customer.accessToken, body: { amount: 5, reason: 'mine' } })).status,
    ).toBe(403);
    expect((await post({ body: { amount: 5, reason: 'anon' } })).status).toBe(401);
    const nobody = await call('POST', credits('cus_01NOSUCHCUSTOMER000000000'), {
      apiKey: operatorKey(),
      body: { amount: 5, reason: 'who?' },
      headers: { 'idempotency-key': newKey() },
    });
    expect(nobody.status).toBe(404);
    expect(
      (await call('GET', credits('not a customer id'), { apiKey: operatorKey() })).status,
    ).toBe(400);
    expect((await readAccount(customer.accessToken)).balance.amount).toBe(0);
  });
});
