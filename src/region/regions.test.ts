/**
 * Regions over HTTP, as clients and operators see them:
 * - a home region is fixed at registration and never changes;
 * - wherever a request comes from (forced with X-Meridian-Region, test
 *   only), a customer's order, payments and notices land in their HOME
 *   region's stores and nowhere else;
 * - a transfer between a `us` and an `eu` customer conserves money;
 * - admin reads scatter to every region: with one region failing or slow
 *   (operator fault rule `region:<name>`) the others answer, `partial` is
 *   true and the region's outcome says what happened.
 */
import { env } from 'cloudflare:workers';
import { accountIdOf } from '@common/contracts/payments';
import { newId } from '@common/ids';
import { REGIONS, type Region, type RegionalDatabase, regionalDb } from '@common/regions';
import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  login,
  okJson,
  operatorKey,
  register,
  type TokenPair,
} from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, putFaults } from '../../test/support/faults';
import { stockedSku as stocked } from '../../test/support/fixtures';

const from = (region: Region) => ({ 'x-meridian-region': region });

/** Rows matching `where` in each region's database of `kind`. */
async function rowsByRegion(kind: RegionalDatabase, sql: string, value: string) {
  const counts = await Promise.all(
    REGIONS.map(async (region) => {
      const row = await regionalDb(env, region, kind)
        .prepare(sql)
        .bind(value)
        .first<{ n: number }>();
      return [region, row?.n ?? 0] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<Region, number>;
}

const onlyIn = (region: Region, counts: Record<Region, number>) =>
  counts[region] > 0 && REGIONS.every((r) => r === region || counts[r] === 0);

const stockedSku = (region: Region, quantity: number) => stocked('REG', quantity, region);

async function deposit(customer: TokenPair, amount: number, headers: Record<string, string> = {}) {
  const res = await call('POST', '/v1/accounts/me/deposits', {
    token: customer.accessToken,
    headers: { 'idempotency-key': newId('op'), ...headers },
    body: { amount },
  });
  expect(res.status).toBe(201);
}

async function account(customer: TokenPair) {
  return okJson<{ balance: { amount: number }; inTransit: { amount: number } }>(
    await call('GET', '/v1/accounts/me', { token: customer.accessToken }),
  );
}

async function placeOrder(customer: TokenPair, sku: string, quantity: number, headers = {}) {
  const res = await call('POST', '/v1/orders', {
    token: customer.accessToken,
    headers: { 'idempotency-key': newId('op'), ...headers },
    body: { items: [{ sku, quantity }] },
  });
  return okJson<{ orderId: string }>(res);
}

afterEach(async () => {
  await clearFaults();
});

describe('home region', () => {
  it('is chosen at registration (explicit, else where the request comes from) and never changes', async () => {
    const implicit = await call('POST', '/v1/auth/register', {
      headers: from('apac'),
      body: { email: `${newId('op').toLowerCase()}@example.test`, password: 'a long password' },
    });
    const pair = await okJson<TokenPair>(implicit);
    expect(pair.region).toBe('apac');

    const explicit = await register({ region: 'eu' });
    expect(explicit.region).toBe('eu');

    // Logging in or refreshing from elsewhere keeps it; the token carries it.
    const relogged = await okJson<TokenPair>(
      await call('POST', '/v1/auth/login', {
        headers: from('us'),
        body: { email: explicit.email, password: 'correct horse battery staple' },
      }),
    );
    expect(relogged.region).toBe('eu');
    const refreshed = await okJson<TokenPair>(
      await call('POST', '/v1/auth/refresh', {
        headers: from('apac'),
        body: { refreshToken: relogged.refreshToken },
      }),
    );
    expect(refreshed.region).toBe('eu');
    const me = await okJson<{ region: string }>(
      await call('GET', '/v1/me', { token: refreshed.accessToken, headers: from('us') }),
    );
    expect(me.region).toBe('eu');
    expect((await login(explicit.email)).status).toBe(200);
  });

  it('an unknown region, explicit or forced, is a 400', async () => {
    const body = {
      email: `${newId('op').toLowerCase()}@example.test`,
      password: 'a long password',
    };
    expect(
      (await call('POST', '/v1/auth/register', { body: { ...body, region: 'mars' } })).status,
    ).toBe(400);
    expect(
      (await call('POST', '/v1/auth/register', { body, headers: from('mars' as Region) })).status,
    ).toBe(400);
  });
});

describe('routing to the home region', () => {
  it.each(REGIONS)(
    'an eu customer served from %s: order, saga, payments and notices are in eu only',
    async (edge) => {
      const customer = await register({ region: 'eu' });
      const sku = await stockedSku('eu', 3);
      await deposit(customer, 10_000, from(edge));
      const { orderId } = await placeOrder(customer, sku, 1, from(edge));

      // The saga is read at regionalStub(ORDER_SAGA, 'eu', id), from any edge.
      const order = await okJson<{ status: string }>(
        await call('GET', `/v1/orders/${orderId}?waitMs=10000`, {
          token: customer.accessToken,
          headers: from(edge),
        }),
      );
      expect(order.status).toBe('CONFIRMED');
      // The eu warehouse sold it.
      const eu = await okJson<{ sold: number }>(
        await call('GET', `/v1/inventory/${sku}?region=eu`),
      );
      expect(eu.sold).toBe(1);

      const orders = await eventually(
        () => rowsByRegion('ordersDb', 'SELECT COUNT(*) AS n FROM orders WHERE id = ?', orderId),
        (c) => c.eu > 0,
      );
      expect(orders).toEqual({ eu: 1, us: 0, apac: 0 });

      const accountId = accountIdOf(customer.customerId);
      const payments = await eventually(
        () =>
          rowsByRegion(
            'paymentsDb',
            'SELECT COUNT(*) AS n FROM transactions WHERE account_id = ?',
            accountId,
          ),
        (c) => c.eu >= 3,
      );
      expect(onlyIn('eu', payments)).toBe(true);
      const directory = await rowsByRegion(
        'paymentsDb',
        'SELECT COUNT(*) AS n FROM accounts WHERE customer_id = ?',
        customer.customerId,
      );
      expect(directory).toEqual({ eu: 1, us: 0, apac: 0 });

      const notices = await eventually(
        () =>
          rowsByRegion(
            'notificationsDb',
            'SELECT COUNT(*) AS n FROM notifications WHERE customer_id = ?',
            customer.customerId,
          ),
        (c) => c.eu > 0,
      );
      expect(notices).toEqual({ eu: 1, us: 0, apac: 0 });
      const inbox = await okJson<{ items: Array<{ type: string; orderId?: string }> }>(
        await call('GET', '/v1/notifications', {
          token: customer.accessToken,
          headers: from(edge),
        }),
      );
      expect(inbox.items).toEqual([expect.objectContaining({ type: 'order.confirmed', orderId })]);
    },
  );
});

describe('a cross-region transfer', () => {
  interface Transfer {
    transferId: string;
    status: string;
  }

  const transfer = (sender: TokenPair, to: TokenPair, amount: number, key = newId('op')) =>
    call('POST', '/v1/transfers', {
      token: sender.accessToken,
      headers: { 'idempotency-key': key },
      body: { toCustomerId: to.customerId, amount },
    });

  async function completed(sender: TokenPair, transferId: string) {
    return eventually(
      async () =>
        okJson<Transfer>(
          await call('GET', `/v1/transfers/${transferId}`, { token: sender.accessToken }),
        ),
      (t) => t.status !== 'IN_FLIGHT',
    );
  }

  it('between a us and an eu customer conserves money, both ways, exactly once', async () => {
    const us = await register({ region: 'us' });
    const eu = await register({ region: 'eu' });
    // Opening an account registers it in its region's directory at once
    // (a first deposit would too, but through the projection, eventually).
    await account(us);
    await account(eu);
    await deposit(us, 1000);
    const total = async () => {
      const [a, b] = await Promise.all([account(us), account(eu)]);
      return a.balance.amount + a.inTransit.amount + b.balance.amount + b.inTransit.amount;
    };

    const key = newId('op');
    const sent = await transfer(us, eu, 300, key);
    expect(sent.status).toBe(202);
    const started = await okJson<Transfer>(sent);
    expect(await total()).toBe(1000);
    // The same Idempotency-Key is the same transfer: no second debit.
    const again = await okJson<Transfer>(await transfer(us, eu, 300, key));
    expect(again.transferId).toBe(started.transferId);
    expect((await completed(us, started.transferId)).status).toBe('COMPLETED');
    expect((await account(us)).balance.amount).toBe(700);
    expect((await account(eu)).balance.amount).toBe(300);
    expect(await total()).toBe(1000);

    const back = await okJson<Transfer>(await transfer(eu, us, 120));
    expect((await completed(eu, back.transferId)).status).toBe('COMPLETED');
    expect((await account(us)).balance.amount).toBe(820);
    expect((await account(eu)).balance.amount).toBe(180);
    expect(await total()).toBe(1000);

    // Each side's records stay in its own region.
    const euRows = await rowsByRegion(
      'paymentsDb',
      'SELECT COUNT(*) AS n FROM transactions WHERE account_id = ?',
      accountIdOf(eu.customerId),
    );
    expect(euRows.us + euRows.apac).toBe(0);
  });

  it('to a customer without an account yet credits them in their home region', async () => {
    const us = await register({ region: 'us' });
    await deposit(us, 10);
    const eu = await register({ region: 'eu' });
    const sent = await okJson<Transfer>(await transfer(us, eu, 5));
    expect((await completed(us, sent.transferId)).status).toBe('COMPLETED');
    expect((await account(eu)).balance.amount).toBe(5);
    // Opened by the credit, in eu's ledger; its directory entry (projected) in eu only.
    const listed = await eventually(
      () =>
        rowsByRegion(
          'paymentsDb',
          'SELECT COUNT(*) AS n FROM accounts WHERE customer_id = ?',
          eu.customerId,
        ),
      (counts) => counts.eu === 1,
    );
    expect(listed).toEqual({ us: 0, eu: 1, apac: 0 });
  });
});

interface Gathered<I> {
  items: I[];
  regions: Record<string, { status: string; latencyMs: number; detail?: string }>;
  partial: boolean;
}

describe('admin scatter-gather with a region failing', () => {
  const adminGet = async <I>(path: string) =>
    okJson<Gathered<I>>(await call('GET', path, { apiKey: operatorKey() }));

  /** A rejected order (more than the stock) in `region`: quick, and in that region's read model. */
  async function orderIn(region: Region): Promise<string> {
    const customer = await register({ region });
    const sku = await stockedSku(region, 1);
    const { orderId } = await placeOrder(customer, sku, 5);
    await eventually(
      () => rowsByRegion('ordersDb', 'SELECT COUNT(*) AS n FROM orders WHERE id = ?', orderId),
      (c) => c[region] > 0,
    );
    return orderId;
  }

  it('GET /v1/admin/orders: eu failing or slow → the others, partial, and eu’s outcome', async () => {
    const usOrder = await orderIn('us');
    const euOrder = await orderIn('eu');
    const ids = (g: Gathered<{ orderId: string }>) => g.items.map((o) => o.orderId);

    const whole = await adminGet<{ orderId: string; region: string }>('/v1/admin/orders?limit=100');
    expect(whole.partial).toBe(false);
    expect(ids(whole)).toEqual(expect.arrayContaining([usOrder, euOrder]));
    expect(whole.items.find((o) => o.orderId === euOrder)?.region).toBe('eu');

    await putFaults([{ target: 'region:eu', kind: 'error', rate: 1 }]);
    const failing = await adminGet<{ orderId: string }>('/v1/admin/orders?limit=100');
    expect(failing.partial).toBe(true);
    expect(failing.regions.eu).toMatchObject({ status: 'error' });
    expect(failing.regions.eu?.detail).toMatch(/injected error fault for region:eu/);
    expect(failing.regions.us?.status).toBe('ok');
    expect(failing.regions.apac?.status).toBe('ok');
    expect(ids(failing)).toContain(usOrder);
    expect(ids(failing)).not.toContain(euOrder);

    await putFaults([{ target: 'region:eu', kind: 'latency', rate: 1, latencyMs: 10_000 }]);
    const started = Date.now();
    const slow = await adminGet<{ orderId: string }>('/v1/admin/orders?limit=100');
    expect(Date.now() - started).toBeLessThan(6000);
    expect(slow.partial).toBe(true);
    expect(slow.regions.eu?.status).toBe('timeout');
    expect(ids(slow)).toContain(usOrder);
    expect(ids(slow)).not.toContain(euOrder);
  });

  it('GET /v1/admin/dead-letters: each region keeps its own; eu failing or dropped → partial', async () => {
    // Dead letters as the store keeps them (fixtures), one per region.
    const letters = Object.fromEntries(REGIONS.map((r) => [r, newId('dlq')])) as Record<
      Region,
      string
    >;
    for (const region of REGIONS) {
      await regionalDb(env, region, 'notificationsDb')
        .prepare(
          `INSERT INTO dead_letters (id, queue, envelope_id, type, body, attempts, received_at, error, message_id)
           VALUES (?, 'meridian-order-events', ?, 'order.status_changed', '{}', 8, ?, 'boom', ?)`,
        )
        .bind(letters[region], newId('msg'), Date.now(), newId('msg'))
        .run();
    }
    const byId = (g: Gathered<{ id: string; region: string }>) =>
      Object.fromEntries(g.items.map((l) => [l.id, l.region]));

    const whole = await adminGet<{ id: string; region: string }>(
      '/v1/admin/dead-letters?limit=100',
    );
    expect(whole.partial).toBe(false);
    for (const region of REGIONS) expect(byId(whole)[letters[region]]).toBe(region);

    await putFaults([{ target: 'region:eu', kind: 'error', rate: 1 }]);
    const failing = await adminGet<{ id: string; region: string }>(
      '/v1/admin/dead-letters?limit=100',
    );
    expect(failing.partial).toBe(true);
    expect(failing.regions.eu?.status).toBe('error');
    expect(byId(failing)[letters.us]).toBe('us');
    expect(byId(failing)[letters.apac]).toBe('apac');
    expect(byId(failing)[letters.eu]).toBeUndefined();

    await putFaults([{ target: 'region:eu', kind: 'drop', rate: 1 }]);
    const dropped = await adminGet<{ id: string; region: string }>(
      '/v1/admin/dead-letters?limit=100',
    );
    expect(dropped.regions.eu?.status).toBe('timeout');
    expect(dropped.partial).toBe(true);
    expect(byId(dropped)[letters.us]).toBe('us');

    await clearFaults();
    const healed = await adminGet<{ id: string }>('/v1/admin/dead-letters?limit=100');
    expect(healed.partial).toBe(false);
  });

  it('a region fault target must name a configured region', async () => {
    const res = await call('PUT', '/v1/admin/faults', {
      apiKey: operatorKey(),
      body: { rules: [{ target: 'region:mars', kind: 'error', rate: 1 }] },
    });
    expect(res.status).toBe(400);
  });
});
