/** Ownership: another customer's resource is indistinguishable from a missing one. */
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { admin, register } from '../../test/support/clients';
import type { GatewayBindings } from '../context';
import { notFound, onError } from '../http/errors';
import { requestContext } from '../http/request-context';
import { apiKeyAuth } from './api-key';
import { assertOwner, authenticate, requireCustomer } from './authenticate';

// A tiny resource store: each thing belongs to one customer.
const owners = new Map<string, string>();

const app = new Hono<GatewayBindings>();
app.use(requestContext());
app.use(apiKeyAuth());
app.use(authenticate());
app.onError(onError);
app.notFound(notFound);
app.get('/things/:id', requireCustomer(), (c) => {
  const owner = owners.get(c.req.param('id'));
  if (owner === undefined) return c.json({ error: 'missing' }, 404);
  assertOwner(c, owner, { what: 'thing' });
  return c.json({ id: c.req.param('id') }, 200);
});
app.get('/admin-readable/:id', requireCustomer(), (c) => {
  assertOwner(c, owners.get(c.req.param('id')) ?? '', { adminMayAccess: true, what: 'thing' });
  return c.json({ id: c.req.param('id') }, 200);
});

const get = (path: string, token: string) =>
  app.request(
    `http://meridian.test${path}`,
    { headers: { authorization: `Bearer ${token}` } },
    env,
  );

let alice = '';
let bob = '';
let boss = '';
beforeAll(async () => {
  const [a, b, adm] = await Promise.all([register(), register(), admin()]);
  alice = a.accessToken;
  bob = b.accessToken;
  boss = adm.accessToken;
  owners.set('t1', a.customerId);
});

describe('assertOwner', () => {
  it('lets the owner through', async () => {
    expect((await get('/things/t1', alice)).status).toBe(200);
  });

  it('answers 404 (not 403) to another customer, and to an admin unless allowed', async () => {
    const res = await get('/things/t1', bob);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { type: string }).type).toMatch(/thing_not_found$/);
    expect((await get('/things/t1', boss)).status).toBe(404);
    expect((await get('/admin-readable/t1', boss)).status).toBe(200);
    expect((await get('/admin-readable/t1', bob)).status).toBe(404);
  });
});
