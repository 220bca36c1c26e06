/**
 * The account routes over HTTP, as a client uses them: real access tokens
 * from register/login, the whole gateway pipeline (authentication, rate
 * limit, access guard, idempotency key, validation) and the real payments
 * worker behind it.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Region } from '@common/regions';
import { describe, expect, it } from 'vitest';
import {
  type AccountBody,
  call,
  login,
  newKey,
  operatorKey,
  postIdempotent,
  readAccount,
  register,
} from '../../test/support/clients';
import { idempotencyRecord } from '../idempotency/middleware';

const DEPOSITS = '/v1/accounts/me/deposits';

interface EventsBody {
  events: { seq: number; type: string; amount?: { amount: number } }[];
  balanceAt: { amount: number; currency: string };
}

async function events(token: string, until?: string): Promise<EventsBody> {
  const query = until ? `?until=${encodeURIComponent(until)}` : '';
  const res = await call('GET', `/v1/accounts/me/events${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as EventsBody;
}

const deposits = async (token: string) =>
  (await events(token)).events.filter((e) => e.type === 'FundsDeposited');

async function expectProblem(res: Response, status: number, code: string): Promise<void> {
  expect(res.status, code).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { type: string; status: number };
  expect(body.type).toBe(`https://meridian.dev/problems/${code}`);
  expect(body.status).toBe(status);
}

/** Operator fault rules: a latency on payments keeps a request in flight long enough to race it. */
async function setPaymentsLatency(latencyMs: number | null): Promise<void> {
  const res =
    latencyMs === null
      ? await call('DELETE', '/v1/admin/faults?target=payments', { apiKey: operatorKey() })
      : await call('PUT', '/v1/admin/faults', {
          apiKey: operatorKey(),
          body: {
            rules: [{ target: 'payments', kind: 'latency', rate: 1, latencyMs, ttlSeconds: 10 }],
          },
        });
  expect(res.status).toBe(200);
}

describe('account routes with real tokens', () => {
  it('refuse a caller without a valid token (401), and an operator key (403)', async () => {
    const anonymous = await call('GET', '/v1/accounts/me');
    await expectProblem(anonymous, 401, 'authentication_required');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectProblem(
      await call('GET', '/v1/accounts/me', { token: 'not.a.jwt' }),
      401,
      'token_malformed',
    );
    await expectProblem(
      await call('POST', DEPOSITS, {
        body: { amount: 5 },
        headers: { 'idempotency-key': newKey() },
      }),
      401,
      'authentication_required',
    );
    await expectProblem(
      await call('GET', '/v1/accounts/me', { apiKey: operatorKey() }),
      403,
      'customer_required',
    );
  });

  it('GET /v1/accounts/me is the caller’s own account, read at the ledger in their region', async () => {
    const alice = await register({ region: 'eu' });
    const bob = await register();
    const res = await call('GET', '/v1/accounts/me', { token: alice.accessToken });
    expect(res.status).toBe(200);
    const account = (await res.json()) as AccountBody;
    expect(account).toMatchObject({
      balance: { amount: 0, currency: 'USD' },
      inTransit: { amount: 0, currency: 'USD' },
      version: 1,
    });
    expect(res.headers.get('x-consistency-token')).toBe('1');
    // A token from a fresh login reaches the same account; another customer's is another one.
    const again = (await (await login(alice.email)).json()) as { accessToken: string };
    expect((await readAccount(again.accessToken)).accountId).toBe(account.accountId);
    expect((await readAccount(bob.accessToken)).accountId).not.toBe(account.accountId);
  });
});

describe('deposits are idempotent by Idempotency-Key', () => {
  it('201 with the consistency token; a replay is the stored response, marked, with one effect', async () => {
    const { accessToken: token } = await register();
    const key = newKey();
    const first = await postIdempotent(DEPOSITS, token, { amount: 250 }, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const body = (await first.json()) as AccountBody;
    expect(body.balance).toEqual({ amount: 250, currency: 'USD' });
    expect(first.headers.get('x-consistency-token')).toBe(String(body.version));

    const replay = await postIdempotent(DEPOSITS, token, { amount: 250 }, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('x-consistency-token')).toBe(String(body.version));
    expect(await replay.json()).toEqual(body);

    expect((await readAccount(token)).balance.amount).toBe(250);
    expect(await deposits(token)).toHaveLength(1);
  });

  it('the same key with another body is a 422 and changes nothing', async () => {
    const { accessToken: token } = await register();
    const key = newKey();
    expect((await postIdempotent(DEPOSITS, token, { amount: 10 }, key)).status).toBe(201);
    await expectProblem(
      await postIdempotent(DEPOSITS, token, { amount: 11 }, key),
      422,
      'idempotency_key_reused',
    );
    expect((await readAccount(token)).balance.amount).toBe(10);
  });

  it('without a key (or with a malformed one) a deposit is a 400 and changes nothing', async () => {
    const { accessToken: token } = await register();
    await expectProblem(
      await call('POST', DEPOSITS, { token, body: { amount: 10 } }),
      400,
      'idempotency_key_required',
    );
    await expectProblem(
      await postIdempotent(DEPOSITS, token, { amount: 10 }, 'has spaces'),
      400,
      'idempotency_key_invalid',
    );
    expect((await readAccount(token)).balance.amount).toBe(0);
  });

  it('a duplicate while the first is still in flight gets 409; afterwards the stored response', async () => {
    const { accessToken: token } = await register();
    await readAccount(token);
    const key = newKey();
    await setPaymentsLatency(400);
    try {
      const first = postIdempotent(DEPOSITS, token, { amount: 70 }, key);
      await new Promise((r) => setTimeout(r, 100));
      const duplicate = await postIdempotent(DEPOSITS, token, { amount: 70 }, key);
      await expectProblem(duplicate, 409, 'idempotency_key_in_flight');
      expect(duplicate.headers.get('retry-after')).toBe('1');
      expect((await first).status).toBe(201);
    } finally {
      await setPaymentsLatency(null);
    }
    const retry = await postIdempotent(DEPOSITS, token, { amount: 70 }, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await readAccount(token)).balance.amount).toBe(70);
  });

  it('50 concurrent duplicate deposits have one effect: one original, the rest 409 or its replay', async () => {
    const { accessToken: token } = await register();
    await readAccount(token);
    const key = newKey();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => postIdempotent(DEPOSITS, token, { amount: 30 }, key)),
    );
    const originals = results.filter(
      (r) => r.status === 201 && r.headers.get('idempotent-replayed') === null,
    );
    expect(originals).toHaveLength(1);
    const original = await originals[0]?.text();
    for (const res of results) {
      if (res === originals[0]) continue;
      expect([201, 409]).toContain(res.status);
      if (res.status === 201) expect(await res.text()).toBe(original);
      else await res.arrayBuffer();
    }
    expect((await readAccount(token)).balance.amount).toBe(30);
    expect(await deposits(token)).toHaveLength(1);
  });

  it('keys are the caller’s: two customers using one key each get their deposit', async () => {
    const [a, b] = await Promise.all([register(), register()]);
    const key = newKey();
    expect((await postIdempotent(DEPOSITS, a.accessToken, { amount: 5 }, key)).status).toBe(201);
    const other = await postIdempotent(DEPOSITS, b.accessToken, { amount: 5 }, key);
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect((await readAccount(b.accessToken)).balance.amount).toBe(5);
  });

  it('a retry after the gateway lost its record (died mid-request) still applies once at the ledger', async () => {
    const customer = await register();
    const key = newKey();
    const first = await postIdempotent(DEPOSITS, customer.accessToken, { amount: 40 }, key);
    expect(first.status).toBe(201);
    // As if the gateway died after the deposit and before storing its response:
    // the record is back in flight with a lapsed lock, so a retry runs the handler again.
    const record = idempotencyRecord(
      env as unknown as GatewayEnv,
      customer.region as Region,
      `customer:${customer.customerId}`,
      key,
    );
    await runInDurableObject(record, (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE record SET state = 'in_flight', lock_until_ms = ?",
        Date.now() - 1,
      );
    });
    const retry = await postIdempotent(DEPOSITS, customer.accessToken, { amount: 40 }, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await retry.json()).toEqual(await first.json());
    expect((await readAccount(customer.accessToken)).balance.amount).toBe(40);
    expect(await deposits(customer.accessToken)).toHaveLength(1);
  });

  it('a key of the maximum length (200 characters) is accepted end to end', async () => {
    const { accessToken: token } = await register();
    const key = 'k'.repeat(200);
    expect((await postIdempotent(DEPOSITS, token, { amount: 3 }, key)).status).toBe(201);
    const replay = await postIdempotent(DEPOSITS, token, { amount: 3 }, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await readAccount(token)).balance.amount).toBe(3);
  });
});

describe('reads of the ledger and its read model', () => {
  it('transactions with the consistency token of a write include that write (read-your-writes)', async () => {
    const { accessToken: token } = await register();
    await postIdempotent(DEPOSITS, token, { amount: 15 }, newKey());
    const written = await postIdempotent(DEPOSITS, token, { amount: 25 }, newKey());
    const version = written.headers.get('x-consistency-token') ?? '';
    expect(version).toMatch(/^\d+$/);
    for (const res of [
      await call('GET', '/v1/accounts/me/transactions', {
        token,
        headers: { 'x-consistency-token': version },
      }),
      await call('GET', `/v1/accounts/me/transactions?minVersion=${version}`, { token }),
    ]) {
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        items: { seq: number; amount: { amount: number }; balanceAfter: { amount: number } }[];
        source: string;
      };
      expect(['ledger', 'projection']).toContain(page.source);
      expect(page.items[0]).toMatchObject({
        seq: Number(version),
        amount: { amount: 25 },
        balanceAfter: { amount: 40 },
      });
      expect(page.items.map((i) => i.amount.amount)).toEqual([25, 15]);
    }
  });

  it('events with `until` give the ledger and the balance as of that instant', async () => {
    const { accessToken: token } = await register();
    await postIdempotent(DEPOSITS, token, { amount: 40 }, newKey());
    await new Promise((r) => setTimeout(r, 10));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 10));
    await postIdempotent(DEPOSITS, token, { amount: 60 }, newKey());
    const then = await events(token, between);
    expect(then.balanceAt).toEqual({ amount: 40, currency: 'USD' });
    expect(then.events.map((e) => e.type)).toEqual(['AccountOpened', 'FundsDeposited']);
    const now = await events(token);
    expect(now.balanceAt.amount).toBe(100);
    expect(now.events.map((e) => e.amount?.amount)).toEqual([undefined, 40, 60]);
  });

  it('bad input is a 4xx problem, never a 5xx', async () => {
    const { accessToken: token } = await register();
    const deposit = (body: unknown) => postIdempotent(DEPOSITS, token, body, newKey());
    await expectProblem(await deposit({ amount: 0 }), 400, 'validation_failed');
    await expectProblem(await deposit({ amount: 1.5 }), 400, 'validation_failed');
    await expectProblem(await deposit({ amount: 5, extra: 1 }), 400, 'validation_failed');
    await expectProblem(await deposit({ amount: 5, currency: 'EUR' }), 409, 'currency_mismatch');
    await expectProblem(
      await call('POST', DEPOSITS, {
        token,
        body: 'x',
        headers: { 'content-type': 'text/plain', 'idempotency-key': newKey() },
      }),
      415,
      'unsupported_media_type',
    );
    await expectProblem(
      await call('GET', '/v1/accounts/me/events?until=yesterday', { token }),
      400,
      'validation_failed',
    );
    await expectProblem(
      await call('GET', '/v1/accounts/me/transactions', {
        token,
        headers: { 'x-consistency-token': 'abc' },
      }),
      400,
      'consistency_token_invalid',
    );
    expect((await readAccount(token)).balance.amount).toBe(0);
  });
});
