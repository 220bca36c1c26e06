/**
 * Transfers over HTTP with real access tokens: the sender's ledger debits at
 * once (the amount is then in transit), the recipient's ledger — here in
 * another region — is credited by the transfer saga, and only the sender can
 * read the transfer.
 */
import { env } from 'cloudflare:workers';
import { accountIdOf } from '@common/contracts/payments';
import { REGIONS, type Region, regionalDb } from '@common/regions';
import { describe, expect, it } from 'vitest';
import {
  type AccountBody,
  call,
  deposit,
  newKey,
  okJson,
  postIdempotent,
  readAccount,
  register,
  type TokenPair,
} from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';

interface TransferBody {
  transferId: string;
  status: 'IN_FLIGHT' | 'COMPLETED' | 'REVERSED';
  fromCustomerId: string;
  toCustomerId: string;
  amount: { amount: number; currency: string };
  history: { status: string }[];
}

const POLL_DEADLINE_MS = 10_000;

async function expectProblem(res: Response, status: number, code: string): Promise<void> {
  expect(res.status, code).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(((await res.json()) as { type: string }).type).toBe(
    `https://meridian.dev/problems/${code}`,
  );
}

/** A customer with an account holding `funds`. */
async function customer(region: 'us' | 'eu', funds = 0) {
  const user = await register({ region });
  if (funds > 0) await deposit(user.accessToken, funds);
  else await readAccount(user.accessToken);
  return user;
}

const transfer = (token: string, toCustomerId: string, amount: number, key = newKey()) =>
  postIdempotent('/v1/transfers', token, { toCustomerId, amount }, key);

describe('a transfer between customers in different regions', () => {
  it('is accepted (202 + Location), completes, and conserves money at every step', async () => {
    const alice = await customer('us', 1_000);
    const bob = await customer('eu');
    expect(alice.region).toBe('us');
    expect(bob.region).toBe('eu');

    const res = await transfer(alice.accessToken, bob.customerId, 300);
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as TransferBody;
    expect(res.headers.get('location')).toBe(`/v1/transfers/${accepted.transferId}`);
    expect(accepted).toMatchObject({
      fromCustomerId: alice.customerId,
      toCustomerId: bob.customerId,
      amount: { amount: 300, currency: 'USD' },
    });
    expect(['IN_FLIGHT', 'COMPLETED']).toContain(accepted.status);

    // Poll as a client would. The sender is debited once, at once; the amount is
    // either in transit or credited. Reading the sender before the recipient, no
    // observation can show the amount gone (the credit lands before the
    // sender's settlement), and neither account ever holds more than it should.
    const location = res.headers.get('location') ?? '';
    const deadline = Date.now() + POLL_DEADLINE_MS;
    let view = accepted;
    while (view.status === 'IN_FLIGHT') {
      expect(Date.now(), 'transfer still IN_FLIGHT at the deadline').toBeLessThan(deadline);
      const sender: AccountBody = await readAccount(alice.accessToken);
      const recipient: AccountBody = await readAccount(bob.accessToken);
      expect(sender.balance.amount).toBe(700);
      expect(sender.inTransit.amount + recipient.balance.amount).toBeGreaterThanOrEqual(300);
      expect(recipient.balance.amount).toBeLessThanOrEqual(300);
      await new Promise((r) => setTimeout(r, 50));
      const polled = await call('GET', location, { token: alice.accessToken });
      expect(polled.status).toBe(200);
      view = (await polled.json()) as TransferBody;
    }
    expect(view.status).toBe('COMPLETED');
    expect(view.history.map((h) => h.status)).toEqual(['IN_FLIGHT', 'COMPLETED']);

    const [sender, recipient] = [
      await readAccount(alice.accessToken),
      await readAccount(bob.accessToken),
    ];
    expect(sender.balance).toEqual({ amount: 700, currency: 'USD' });
    expect(sender.inTransit.amount).toBe(0);
    expect(recipient.balance).toEqual({ amount: 300, currency: 'USD' });
  });

  it('is readable by its sender only: the recipient and anyone else get 404', async () => {
    const alice = await customer('us', 100);
    const bob = await customer('eu');
    const carol = await customer('us');
    const res = await transfer(alice.accessToken, bob.customerId, 10);
    expect(res.status).toBe(202);
    const { transferId } = (await res.json()) as TransferBody;
    const path = `/v1/transfers/${transferId}`;
    expect((await call('GET', path, { token: alice.accessToken })).status).toBe(200);
    await expectProblem(
      await call('GET', path, { token: carol.accessToken }),
      404,
      'transfer_not_found',
    );
    await expectProblem(
      await call('GET', path, { token: bob.accessToken }),
      404,
      'transfer_not_found',
    );
    await expectProblem(await call('GET', path), 401, 'authentication_required');
  });
});

describe('transfers are idempotent by Idempotency-Key', () => {
  it('a replay returns the first 202 (same transfer, Location) and debits once', async () => {
    const alice = await customer('us', 500);
    const bob = await customer('eu');
    const key = newKey();
    const first = await transfer(alice.accessToken, bob.customerId, 120, key);
    expect(first.status).toBe(202);
    const body = await first.text();
    const replay = await transfer(alice.accessToken, bob.customerId, 120, key);
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('location')).toBe(first.headers.get('location'));
    expect(await replay.text()).toBe(body);
    const sender = await readAccount(alice.accessToken);
    expect(sender.balance.amount).toBe(380);
  });

  it('20 concurrent duplicates debit once', async () => {
    const alice = await customer('us', 500);
    const bob = await customer('us');
    const key = newKey();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => transfer(alice.accessToken, bob.customerId, 50, key)),
    );
    const ids = new Set<string>();
    for (const res of results) {
      expect([202, 409]).toContain(res.status);
      if (res.status === 202) ids.add(((await res.json()) as TransferBody).transferId);
      else await res.arrayBuffer();
    }
    expect(ids.size).toBe(1);
    expect((await readAccount(alice.accessToken)).balance.amount).toBe(450);
  });

  it('the same key with another body is a 422; no key is a 400; neither moves money', async () => {
    const alice = await customer('us', 100);
    const bob = await customer('us');
    const key = newKey();
    expect((await transfer(alice.accessToken, bob.customerId, 10, key)).status).toBe(202);
    await expectProblem(
      await transfer(alice.accessToken, bob.customerId, 11, key),
      422,
      'idempotency_key_reused',
    );
    await expectProblem(
      await call('POST', '/v1/transfers', {
        token: alice.accessToken,
        body: { toCustomerId: bob.customerId, amount: 10 },
      }),
      400,
      'idempotency_key_required',
    );
    expect((await readAccount(alice.accessToken)).balance.amount).toBe(90);
  });
});

describe('refused transfers are problems and move no money', () => {
  it('to yourself 400, to an unknown customer 404, beyond your balance 409, bad body 400', async () => {
    const alice = await customer('us', 10);
    const bob = await customer('eu');
    await expectProblem(
      await transfer(alice.accessToken, alice.customerId, 1),
      400,
      'transfer_to_self',
    );
    await expectProblem(
      await transfer(alice.accessToken, 'cus_01M80000000000000000000000', 1),
      404,
      'recipient_not_found',
    );
    await expectProblem(
      await transfer(alice.accessToken, bob.customerId, 11),
      409,
      'insufficient_funds',
    );
    await expectProblem(
      await postIdempotent('/v1/transfers', alice.accessToken, {
        toCustomerId: bob.customerId,
        amount: 1,
        fromCustomerId: bob.customerId,
      }),
      400,
      'validation_failed',
    );
    expect((await readAccount(alice.accessToken)).balance.amount).toBe(10);
    expect((await readAccount(bob.accessToken)).balance.amount).toBe(0);
  });
});

/** Polls the sender's view of a transfer until it leaves IN_FLIGHT. */
async function settled(token: string, transferId: string): Promise<TransferBody> {
  return eventually(
    async () => okJson<TransferBody>(await call('GET', `/v1/transfers/${transferId}`, { token })),
    (view) => view.status !== 'IN_FLIGHT',
    POLL_DEADLINE_MS,
  );
}

describe('any registered customer can receive a transfer at once', () => {
  it('a customer registered a moment ago (no account opened, no deposit) is credited', async () => {
    const alice = await customer('us', 500);
    // Registered only: no deposit and no read of their account, so no ledger yet.
    const bob = await register({ region: 'eu' });
    const res = await transfer(alice.accessToken, bob.customerId, 125);
    expect(res.status).toBe(202);
    const { transferId } = (await res.json()) as TransferBody;
    expect((await settled(alice.accessToken, transferId)).status).toBe('COMPLETED');
    // The credit opened bob's account in his home region's ledger.
    const recipient = await readAccount(bob.accessToken);
    expect(recipient.accountId).toBe(accountIdOf(bob.customerId));
    expect(recipient.balance).toEqual({ amount: 125, currency: 'USD' });
    expect((await readAccount(alice.accessToken)).balance.amount).toBe(375);
  });

  it('only an id that is no customer is a 404', async () => {
    const alice = await customer('us', 50);
    await expectProblem(
      await transfer(alice.accessToken, 'cus_01M80000000000000000000000', 5),
      404,
      'recipient_not_found',
    );
    expect((await readAccount(alice.accessToken)).balance.amount).toBe(50);
  });
});

interface NotificationBody {
  type: string;
  transferId?: string;
  fromCustomerId?: string;
  toCustomerId?: string;
  amount?: { amount: number; currency: string };
}

async function noticeOf(user: TokenPair, type: string, transferId: string) {
  const found = await eventually(
    async () =>
      (
        await okJson<{ items: NotificationBody[] }>(
          await call('GET', '/v1/notifications', { token: user.accessToken }),
        )
      ).items.find((n) => n.type === type && n.transferId === transferId),
    (notice) => notice !== undefined,
    POLL_DEADLINE_MS,
  );
  expect(found, `${type} for ${user.customerId}`).toBeDefined();
  return found;
}

/** The customer's notification rows in each region's inbox database. */
async function inboxRows(customerId: string): Promise<Record<Region, number>> {
  const counts = await Promise.all(
    REGIONS.map(async (region) => {
      const row = await regionalDb(env, region, 'notificationsDb')
        .prepare('SELECT COUNT(*) AS n FROM notifications WHERE customer_id = ?')
        .bind(customerId)
        .first<{ n: number }>();
      return [region, row?.n ?? 0] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<Region, number>;
}

describe('both sides of a transfer are notified, each in their home region', () => {
  it('the sender gets transfer.sent and the recipient transfer.received', async () => {
    const alice = await customer('us', 300);
    const bob = await register({ region: 'eu' });
    const res = await transfer(alice.accessToken, bob.customerId, 40);
    const { transferId } = (await res.json()) as TransferBody;
    const parties = { fromCustomerId: alice.customerId, toCustomerId: bob.customerId };
    const amount = { amount: 40, currency: 'USD' };
    expect(await noticeOf(alice, 'transfer.sent', transferId)).toMatchObject({
      ...parties,
      amount,
    });
    expect(await noticeOf(bob, 'transfer.received', transferId)).toMatchObject({
      ...parties,
      amount,
    });
    // Residency: each notice is kept only in its customer's home region.
    expect(await inboxRows(alice.customerId)).toEqual({ us: 1, eu: 0, apac: 0 });
    expect(await inboxRows(bob.customerId)).toEqual({ us: 0, eu: 1, apac: 0 });
  });
});
