/**
 * The payment provider's webhook, attacked: every forged, stale, tampered or
 * replayed request must change no balance; a good one credits the customer
 * once, in their home region, even when the provider retries it.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { call, readAccount, register } from '../../test/support/clients';
import {
  devWebhookSecret,
  providerEventId,
  sendWebhook,
  topUpEvent,
} from '../../test/support/provider';
import { createApp } from '../app';
import { signWebhook } from './signature';

const now_s = () => Math.floor(Date.now() / 1000);

async function problemType(res: Response): Promise<string> {
  return ((await res.json()) as { type: string }).type.replace(/^.*\//, '');
}

async function balance(token: string): Promise<number> {
  return (await readAccount(token)).balance.amount;
}

describe('signed top-ups', () => {
  it('a signed top_up.succeeded credits the customer’s ledger in their home region', async () => {
    const customer = await register({ region: 'eu' });
    const res = await sendWebhook(topUpEvent(customer.customerId, 4200));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
    // Read at the customer's home-region ledger (their token says eu).
    expect(await balance(customer.accessToken)).toBe(4200);
    const events = await readEvents(customer.accessToken);
    expect(events.find((e) => e.type === 'FundsDeposited')).toMatchObject({ source: 'provider' });
  });

  it('a replayed event credits nothing more (200), even re-signed with a fresh timestamp', async () => {
    const customer = await register();
    const event = topUpEvent(customer.customerId, 1000);
    expect((await sendWebhook(event)).status).toBe(200);
    expect((await sendWebhook(event)).status).toBe(200);
    expect((await sendWebhook(event, { t: now_s() + 5 })).status).toBe(200);
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => sendWebhook(event)));
    expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await balance(customer.accessToken)).toBe(1000);
  });

  it('a provider retry after our failure credits exactly once', async () => {
    const customer = await register();
    const event = topUpEvent(customer.customerId, 300);
    const raw = JSON.stringify(event);
    const signed = { 'content-type': 'application/json', 'meridian-signature': '' };
    // 1. Payments is down: 503, nothing credited; the provider will retry.
    const down = {
      ...env,
      PAYMENTS: {
        creditTopUp: () => Promise.reject(new Error('payments unavailable')),
      } as unknown as GatewayEnv['PAYMENTS'],
    } as GatewayEnv;
    signed['meridian-signature'] = await signWebhook(devWebhookSecret(), now_s(), raw);
    const failed = await createApp().request(
      'http://meridian.test/v1/webhooks/payments',
      { method: 'POST', headers: signed, body: raw },
      down,
    );
    expect(failed.status).toBe(503);
    expect(await balance(customer.accessToken)).toBe(0);
    // 2. The credit committed but our answer was lost (the provider saw a timeout).
    const region = customer.region as 'us' | 'eu' | 'apac';
    const input = { ...event.data, customerId: customer.customerId, region, eventId: event.id };
    const meta = { requestId: 'req_lost_answer', traceparent: '00-0-0-01' };
    expect((await env.PAYMENTS.creditTopUp(input, meta)).ok).toBe(true);
    // 3. The provider's retries: 200, and still one credit.
    expect((await sendWebhook(event)).status).toBe(200);
    expect((await sendWebhook(event)).status).toBe(200);
    expect(await balance(customer.accessToken)).toBe(300);
  });
});

describe('forged and stale webhooks are 401 and change nothing', () => {
  it('a signature made with another secret', async () => {
    const customer = await register();
    const res = await sendWebhook(topUpEvent(customer.customerId, 10_000_000), {
      secret: 'whsec_attacker_guess_0123456789abcdef',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await problemType(res)).toBe('webhook_signature_invalid');
    expect(await balance(customer.accessToken)).toBe(0);
  });

  it('no signature, or a malformed one', async () => {
    const customer = await register();
    const event = topUpEvent(customer.customerId, 500);
    const missing = await sendWebhook(event, { header: null });
    expect(missing.status).toBe(401);
    expect(await problemType(missing)).toBe('webhook_signature_missing');
    for (const header of ['garbage', `t=${now_s()}`, `t=${now_s()},v1=abc`, 'v1=00']) {
      const res = await sendWebhook(event, { header });
      expect(res.status, header).toBe(401);
    }
    expect(await balance(customer.accessToken)).toBe(0);
  });

  it('a body changed after signing (the amount raised)', async () => {
    const customer = await register();
    const event = topUpEvent(customer.customerId, 100);
    const t = now_s();
    const header = await signWebhook(devWebhookSecret(), t, JSON.stringify(event));
    const tampered = { ...event, data: { ...event.data, amount: 100_000_000 } };
    const res = await sendWebhook(tampered, { header });
    expect(res.status).toBe(401);
    // Even reformatting the same JSON breaks the signature: it is over the raw bytes.
    const spaced = await sendWebhook(JSON.stringify(event, null, 2), { header });
    expect(spaced.status).toBe(401);
    expect(await balance(customer.accessToken)).toBe(0);
  });

  it('a timestamp more than 300 s from now, even correctly signed (a captured request replayed later)', async () => {
    const customer = await register();
    const stale = await sendWebhook(topUpEvent(customer.customerId, 800), { t: now_s() - 301 });
    expect(stale.status).toBe(401);
    expect(await problemType(stale)).toBe('webhook_timestamp_out_of_tolerance');
    const future = await sendWebhook(topUpEvent(customer.customerId, 800), { t: now_s() + 400 });
    expect(future.status).toBe(401);
    expect(await balance(customer.accessToken)).toBe(0);
    // Inside the tolerance it is accepted.
    expect(
      (await sendWebhook(topUpEvent(customer.customerId, 800), { t: now_s() - 250 })).status,
    ).toBe(200);
  });

  it('compares signatures in constant time', async () => {
    const customer = await register();
    const spy = vi.spyOn(crypto.subtle, 'timingSafeEqual');
    await sendWebhook(topUpEvent(customer.customerId, 1), {
      secret: 'whsec_wrong_secret_0123456789',
    });
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe('secret rotation (PAYMENT_WEBHOOK_SECRET = "new,old")', () => {
  const NEW = 'whsec_rotated_new_secret_0123456789';
  const OLD = devWebhookSecret();
  const post = async (secretsVar: string, signingSecret: string, body: unknown) => {
    const raw = JSON.stringify(body);
    const headers = {
      'content-type': 'application/json',
      'meridian-signature': await signWebhook(signingSecret, now_s(), raw),
    };
    const scoped = { ...env, PAYMENT_WEBHOOK_SECRET: secretsVar } as GatewayEnv;
    return createApp().request(
      'http://meridian.test/v1/webhooks/payments',
      { method: 'POST', headers, body: raw },
      scoped,
    );
  };

  it('both active secrets verify; a retired one no longer does', async () => {
    const customer = await register();
    expect((await post(`${NEW},${OLD}`, NEW, topUpEvent(customer.customerId, 10))).status).toBe(
      200,
    );
    expect((await post(`${NEW},${OLD}`, OLD, topUpEvent(customer.customerId, 20))).status).toBe(
      200,
    );
    expect((await post(NEW, OLD, topUpEvent(customer.customerId, 40))).status).toBe(401);
    expect(await balance(customer.accessToken)).toBe(30);
  });

  it('an unusable secret configuration is a 503 (the provider retries), never an unsigned credit', async () => {
    const customer = await register();
    const res = await post('a,b,c', OLD, topUpEvent(customer.customerId, 10));
    expect(res.status).toBe(503);
    expect(await balance(customer.accessToken)).toBe(0);
  });
});

describe('signed but unacceptable events', () => {
  it('an unknown customer is 404 and changes nothing', async () => {
    const res = await sendWebhook(topUpEvent('cus_01NOSUCHCUSTOMER000000000', 100));
    expect(res.status).toBe(404);
    expect(await problemType(res)).toBe('customer_not_found');
  });

  it('a malformed top-up is a 400 naming the field', async () => {
    const customer = await register();
    const event = topUpEvent(customer.customerId, 100);
    const res = await sendWebhook({ ...event, data: { ...event.data, amount: -5 } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path)).toContain('data.amount');
    expect((await sendWebhook({ id: providerEventId(), type: 'top_up.succeeded' })).status).toBe(
      400,
    );
    expect(await balance(customer.accessToken)).toBe(0);
  });

  it('an event type we do not handle is acknowledged (200) and changes nothing', async () => {
    const customer = await register();
    const event = { ...topUpEvent(customer.customerId, 100), type: 'top_up.refunded' };
    expect((await sendWebhook(event)).status).toBe(200);
    expect(await balance(customer.accessToken)).toBe(0);
  });
});

async function readEvents(token: string) {
  const res = await call('GET', '/v1/accounts/me/events', { token });
  return ((await res.json()) as { events: { type: string; source?: string }[] }).events;
}
