/**
 * HTTP contract of the account and transfer routes, against the real payments
 * worker over its service binding. Authentication is not what is under test
 * here (JWTs come from the identity work): a tiny app sets the principal the
 * JWT middleware would set, and everything after it is the real pipeline.
 */
import { env } from 'cloudflare:workers';
import { newId } from '@common/ids';
import type { Region } from '@common/regions';
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import type { GatewayBindings, Principal } from '../context';
import { jsonBody } from '../middleware/body';
import { onError, respondProblem, zodProblem } from '../middleware/errors';
import { requestContext } from '../middleware/request-context';
import { accounts } from './accounts';
import { transfers } from './transfers';

const customer = (region: Region = 'us'): Principal => ({
  kind: 'customer',
  id: newId('cus'),
  roles: ['customer'],
  region,
});

function appAs(principal?: Principal) {
  const app = new OpenAPIHono<GatewayBindings>({
    defaultHook: (result, c) => {
      if (!result.success) return respondProblem(c, zodProblem(result.error));
    },
  });
  app.use(requestContext());
  app.use(jsonBody());
  app.use(async (c, next) => {
    if (principal) c.set('principal', principal);
    await next();
  });
  app.onError(onError);
  app.route('/', accounts);
  app.route('/', transfers);
  return (path: string, init: RequestInit = {}) => app.request(path, init, env);
}

const post = (body: unknown, key?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
  body: JSON.stringify(body),
});

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { type: string; requestId: string };
  expect(body.type).toBe(`https://meridian.dev/problems/${code}`);
  expect(body.requestId).toMatch(/^req_/);
}

describe('account routes', () => {
  it('are for customers only: 401 anonymous, 403 for an operator key', async () => {
    await expectProblem(await appAs()('/v1/accounts/me'), 401, 'authentication_required');
    const operator: Principal = { kind: 'api-key', id: 'operator', roles: ['admin'] };
    await expectProblem(await appAs(operator)('/v1/accounts/me'), 403, 'customer_required');
    await expectProblem(await appAs()('/v1/transfers', post({})), 401, 'authentication_required');
  });

  it('GET /v1/accounts/me opens the account and reads it at the ledger', async () => {
    const res = await appAs(customer('eu'))('/v1/accounts/me');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ balance: { amount: 0, currency: 'USD' }, version: 1 });
    expect(res.headers.get('x-consistency-token')).toBe('1');
  });

  it('a deposit needs an Idempotency-Key, answers 201 with the token, and applies once per key', async () => {
    const call = appAs(customer());
    await expectProblem(
      await call('/v1/accounts/me/deposits', post({ amount: 100 })),
      400,
      'idempotency_key_required',
    );
    const key = newId('op');
    const first = await call('/v1/accounts/me/deposits', post({ amount: 100 }, key));
    expect(first.status).toBe(201);
    const body = (await first.json()) as { version: number; balance: { amount: number } };
    expect(body.balance.amount).toBe(100);
    expect(first.headers.get('x-consistency-token')).toBe(String(body.version));
    const again = await call('/v1/accounts/me/deposits', post({ amount: 100 }, key));
    expect(await again.json()).toEqual(body);
    const account = (await (await call('/v1/accounts/me')).json()) as {
      balance: { amount: number };
    };
    expect(account.balance.amount).toBe(100);
  });

  it('bad input is a 4xx problem, never a 5xx', async () => {
    const call = appAs(customer());
    await expectProblem(
      await call('/v1/accounts/me/deposits', post({ amount: 0 }, 'k1')),
      400,
      'validation_failed',
    );
    await expectProblem(
      await call('/v1/accounts/me/deposits', post({ amount: 1.5 }, 'k2')),
      400,
      'validation_failed',
    );
    await expectProblem(
      await call('/v1/accounts/me/deposits', post({ amount: 5, extra: 1 }, 'k3')),
      400,
      'validation_failed',
    );
    await expectProblem(
      await call('/v1/accounts/me/deposits', post({ amount: 5, currency: 'EUR' }, 'k4')),
      409,
      'currency_mismatch',
    );
    await expectProblem(
      await call('/v1/accounts/me/deposits', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'idempotency-key': 'k5' },
        body: 'x',
      }),
      415,
      'unsupported_media_type',
    );
    await expectProblem(
      await call('/v1/accounts/me/events?until=yesterday'),
      400,
      'validation_failed',
    );
    await expectProblem(
      await call('/v1/accounts/me/transactions', { headers: { 'x-consistency-token': 'abc' } }),
      400,
      'consistency_token_invalid',
    );
  });

  it('events as of a past instant give the balance then', async () => {
    const call = appAs(customer());
    await call('/v1/accounts/me/deposits', post({ amount: 40 }, newId('op')));
    await new Promise((r) => setTimeout(r, 10));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 10));
    await call('/v1/accounts/me/deposits', post({ amount: 60 }, newId('op')));
    const then = (await (await call(`/v1/accounts/me/events?until=${between}`)).json()) as {
      balanceAt: { amount: number };
      events: { type: string }[];
    };
    expect(then.balanceAt.amount).toBe(40);
    expect(then.events.map((e) => e.type)).toEqual(['AccountOpened', 'FundsDeposited']);
  });

  it('with the token from a write, the transactions list includes that write', async () => {
    const call = appAs(customer());
    const written = await call('/v1/accounts/me/deposits', post({ amount: 25 }, newId('op')));
    const token = written.headers.get('x-consistency-token') ?? '';
    const res = await call('/v1/accounts/me/transactions', {
      headers: { 'x-consistency-token': token },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { amount: { amount: number } }[]; source: string };
    expect(page.items.map((i) => i.amount.amount)).toEqual([25]);
    expect(['ledger', 'projection']).toContain(page.source);
  });
});

describe('transfer routes', () => {
  it('202 with Location; readable by its sender only', async () => {
    const alice = customer('us');
    const bob = customer('eu');
    const asAlice = appAs(alice);
    const asBob = appAs(bob);
    await asBob('/v1/accounts/me');
    await asAlice('/v1/accounts/me/deposits', post({ amount: 500 }, newId('op')));
    const res = await asAlice(
      '/v1/transfers',
      post({ toCustomerId: bob.id, amount: 200 }, newId('op')),
    );
    expect(res.status).toBe(202);
    const view = (await res.json()) as { transferId: string; status: string };
    expect(view.status).toBe('IN_FLIGHT');
    expect(res.headers.get('location')).toBe(`/v1/transfers/${view.transferId}`);
    expect((await asAlice(`/v1/transfers/${view.transferId}`)).status).toBe(200);
    await expectProblem(await asBob(`/v1/transfers/${view.transferId}`), 404, 'transfer_not_found');
  });

  it('refusals are problems: self 400, unknown recipient 404, short balance 409, no key 400', async () => {
    const alice = customer();
    const call = appAs(alice);
    await call('/v1/accounts/me/deposits', post({ amount: 10 }, newId('op')));
    const bob = customer();
    await appAs(bob)('/v1/accounts/me');
    await expectProblem(
      await call('/v1/transfers', post({ toCustomerId: alice.id, amount: 1 }, 'a')),
      400,
      'transfer_to_self',
    );
    await expectProblem(
      await call('/v1/transfers', post({ toCustomerId: newId('cus'), amount: 1 }, 'b')),
      404,
      'recipient_not_found',
    );
    await expectProblem(
      await call('/v1/transfers', post({ toCustomerId: bob.id, amount: 11 }, 'c')),
      409,
      'insufficient_funds',
    );
    await expectProblem(
      await call('/v1/transfers', post({ toCustomerId: bob.id, amount: 1 })),
      400,
      'idempotency_key_required',
    );
  });
});

describe('OpenAPI', () => {
  it('documents the account and transfer routes from the same schemas', async () => {
    const { createApp } = await import('../app');
    const res = await createApp().request('/openapi.json', {}, env);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    for (const path of [
      '/v1/accounts/me',
      '/v1/accounts/me/deposits',
      '/v1/accounts/me/events',
      '/v1/accounts/me/transactions',
      '/v1/transfers',
      '/v1/transfers/{id}',
    ])
      expect(doc.paths[path], path).toBeDefined();
    expect(Object.keys(doc.paths['/v1/transfers'] ?? {})).toEqual(['post']);
  });
});
