/**
 * Transfers between customers: a saga driven by the debtor's ledger (debit
 * into transit → credit → settle, or reverse), possibly across regions, with
 * money conserved at every recorded step.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { accountIdOf, TRANSFER_EVENT, type TransferView } from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';
import { newId } from '@common/ids';
import { regionalStub } from '@common/regions';
import { describe, expect, it } from 'vitest';
import type { AccountLedger, ExecuteInput } from '../src/ledger';
import { directoryInsert, paymentsDb } from '../src/projection';
import {
  balanceOf,
  type Customer,
  deposit,
  eventually,
  holdOutbox,
  ledgerOf,
  meta,
  newCustomer,
  open,
  payments,
  sleep,
} from './helpers';

async function funded(region: Customer['region'], amount: number) {
  const c = await open(newCustomer(region));
  if (amount) await deposit(c, amount);
  return c;
}

async function transfer(from: Customer, to: Customer, amount: number, operationId = newId('op')) {
  return payments.startTransfer(
    { ...from, toCustomerId: to.customerId, amount, operationId },
    meta(),
  );
}

function value(
  result: { ok: true; value: TransferView } | { ok: false; problem: { detail: string } },
) {
  if (!result.ok) throw new Error(result.problem.detail);
  return result.value;
}

async function statusOf(c: Customer, transferId: string) {
  return value(await payments.getTransfer({ ...c, transferId }));
}

async function total(...customers: Customer[]) {
  const levels = await Promise.all(customers.map(balanceOf));
  return levels.reduce((sum, l) => sum + l.balance + l.inTransit, 0);
}

async function audited(...customers: Customer[]) {
  for (const c of customers) expect((await ledgerOf(c).audit()).ok).toBe(true);
}

/**
 * A recipient whose ledger throws on every credit: the directory sends its
 * credits to a ledger that belongs to another account (a corrupt directory
 * entry), which refuses to be addressed as this one. A real fault, not a mock.
 */
async function brokenRecipient(region: Customer['region']) {
  const b = newCustomer(region);
  const accountId = accountIdOf(b.customerId);
  const occupant = {
    accountId: 'acc_OCCUPANT',
    customerId: 'cus_OCCUPANT',
    region,
    currency: 'USD',
  };
  await regionalStub(env.ACCOUNT_LEDGER, region, accountId).open(occupant, meta());
  await directoryInsert(paymentsDb(env, region), {
    accountId,
    customerId: b.customerId,
    region,
    currency: 'USD',
    at: Date.now(),
  }).run();
  return { customer: b, ledger: regionalStub(env.ACCOUNT_LEDGER, region, accountId) };
}

describe('transfers', () => {
  it('across regions: debit into transit, then credit and settle; the sum never changes', async () => {
    const a = await funded('us', 1000);
    const b = await funded('eu', 0);
    await ledgerOf(a).pauseTransfers(true);
    const started = value(await transfer(a, b, 300));
    expect(started).toMatchObject({ status: 'IN_FLIGHT', inTransit: { amount: 300 } });
    expect(await balanceOf(a)).toEqual({ balance: 700, inTransit: 300 });
    expect(await balanceOf(b)).toEqual({ balance: 0, inTransit: 0 });
    expect(await total(a, b)).toBe(1000);
    await audited(a, b);

    await ledgerOf(a).pauseTransfers(false);
    await ledgerOf(a).driveTransfers();
    const done = await statusOf(a, started.transferId);
    expect(done).toMatchObject({ status: 'COMPLETED', inTransit: { amount: 0 } });
    expect(done.history.map((h) => h.status)).toEqual(['IN_FLIGHT', 'COMPLETED']);
    expect(await balanceOf(a)).toEqual({ balance: 700, inTransit: 0 });
    expect(await balanceOf(b)).toEqual({ balance: 300, inTransit: 0 });
    await audited(a, b);
  });

  it('completes by itself, driven by the debtor ledger’s alarm', async () => {
    const a = await funded('apac', 50);
    const b = await funded('us', 0);
    const { transferId } = value(await transfer(a, b, 50));
    await eventually(async () => (await statusOf(a, transferId)).status === 'COMPLETED');
    expect(await balanceOf(b)).toEqual({ balance: 50, inTransit: 0 });
  });

  it('insufficient funds: refused, nothing moves, and the refusal is remembered', async () => {
    const a = await funded('us', 100);
    const b = await funded('us', 0);
    const op = newId('op');
    const refused = await transfer(a, b, 101, op);
    expect(refused).toMatchObject({
      ok: false,
      problem: { status: 409, code: 'insufficient_funds' },
    });
    await deposit(a, 1000);
    expect(await transfer(a, b, 101, op)).toEqual(refused);
    expect(await total(a, b)).toBe(1100);
  });

  it('a registered customer without an account receives at once: the credit opens it', async () => {
    const a = await funded('us', 100);
    const registered = await env.IDENTITY.register(
      {
        email: `${newId('op').toLowerCase()}@example.test`,
        password: 'a transfer password',
        region: 'apac',
      },
      meta(),
    );
    if (!registered.ok) throw new Error(registered.problem.detail);
    const b: Customer = { customerId: registered.value.customerId, region: 'apac' };
    expect(await ledgerOf(b).account()).toBeNull();
    const { transferId } = value(await transfer(a, b, 30));
    await eventually(async () => (await statusOf(a, transferId)).status === 'COMPLETED');
    expect(await balanceOf(b)).toEqual({ balance: 30, inTransit: 0 });
    expect(await ledgerOf(b).account()).toMatchObject({ customerId: b.customerId, region: 'apac' });
    await audited(a, b);
  });

  it('a transfer tells each side in its own region (sent, received), on the transfer topic', async () => {
    const a = await funded('us', 100);
    const b = await funded('eu', 0);
    const sent = await holdOutbox(ledgerOf(a));
    const received = await holdOutbox(ledgerOf(b));
    const { transferId } = value(await transfer(a, b, 25));
    await ledgerOf(a).driveTransfers();
    const parties = { transferId, fromCustomerId: a.customerId, toCustomerId: b.customerId };
    const topic = (envelopes: Envelope[]) =>
      envelopes.filter((e) => e.type === TRANSFER_EVENT).map((e) => [e.region, e.payload]);
    expect(topic(await sent())).toEqual([
      [
        'us',
        expect.objectContaining({
          ...parties,
          type: 'TransferDebited',
          customerId: a.customerId,
          region: 'us',
          amount: 25,
        }),
      ],
    ]);
    expect(topic(await received())).toEqual([
      [
        'eu',
        expect.objectContaining({
          ...parties,
          type: 'TransferCredited',
          customerId: b.customerId,
          region: 'eu',
          amount: 25,
        }),
      ],
    ]);
  });

  it('an id that is no customer is 404; oneself is 400', async () => {
    const a = await funded('us', 100);
    expect(await transfer(a, newCustomer('eu'), 10)).toMatchObject({
      ok: false,
      problem: { status: 404, code: 'recipient_not_found' },
    });
    expect(await transfer(a, a, 10)).toMatchObject({
      ok: false,
      problem: { status: 400, code: 'transfer_to_self' },
    });
  });

  it('a redelivered start has no second effect', async () => {
    const a = await funded('us', 500);
    const b = await funded('eu', 0);
    const op = newId('op');
    const first = value(await transfer(a, b, 200, op));
    const again = value(await transfer(a, b, 200, op));
    expect(again.transferId).toBe(first.transferId);
    await eventually(async () => (await statusOf(a, first.transferId)).status === 'COMPLETED');
    expect(await balanceOf(a)).toEqual({ balance: 300, inTransit: 0 });
    expect(await balanceOf(b)).toEqual({ balance: 200, inTransit: 0 });
    expect((await transfer(a, b, 200, op)).ok && (await statusOf(a, first.transferId)).status).toBe(
      'COMPLETED',
    );
  });

  it('a refused credit reverses the debit: the debtor gets the money back', async () => {
    const a = await funded('us', 400);
    const b = newCustomer('eu');
    const accountId = accountIdOf(b.customerId);
    // The recipient's account is in another currency, so its ledger refuses the credit.
    await ledgerOf(b).open(
      { accountId, customerId: b.customerId, region: 'eu', currency: 'EUR' },
      meta(),
    );
    await directoryInsert(paymentsDb(env, 'eu'), {
      accountId,
      customerId: b.customerId,
      region: 'eu',
      currency: 'EUR',
      at: Date.now(),
    }).run();
    const { transferId } = value(await transfer(a, b, 150));
    await eventually(async () => (await statusOf(a, transferId)).status === 'REVERSED');
    expect(await statusOf(a, transferId)).toMatchObject({
      reason: 'currency_mismatch',
      inTransit: { amount: 0 },
    });
    expect(await balanceOf(a)).toEqual({ balance: 400, inTransit: 0 });
    expect(await balanceOf(b)).toEqual({ balance: 0, inTransit: 0 });
    await audited(a, b);
  });

  it('an unreachable recipient: retried, then cancelled there at the deadline and reversed', async () => {
    const a = await funded('us', 400);
    const { customer: b, ledger } = await brokenRecipient('eu');
    const { transferId } = value(await transfer(a, b, 100));
    await sleep(50);
    expect(await statusOf(a, transferId)).toMatchObject({ status: 'IN_FLIGHT' });
    expect(await balanceOf(a)).toEqual({ balance: 300, inTransit: 100 });
    await eventually(async () => (await statusOf(a, transferId)).status === 'REVERSED', 5000);
    expect(await statusOf(a, transferId)).toMatchObject({ reason: 'credit_timed_out' });
    expect(await balanceOf(a)).toEqual({ balance: 400, inTransit: 0 });
    // A credit that arrives after the cancellation is refused: the money exists once.
    const late = await ledger.execute(
      {
        operationId: `${transferId}:credit`,
        account: {
          accountId: accountIdOf(b.customerId),
          customerId: b.customerId,
          region: 'eu',
          currency: 'USD',
        },
        command: {
          kind: 'transfer_credit',
          amount: 100,
          currency: 'USD',
          reference: transferId,
          from: accountIdOf(a.customerId),
          fromCustomerId: a.customerId,
        },
      },
      meta(),
    );
    expect(late).toMatchObject({ ok: false, problem: { code: 'operation_cancelled' } });
    await audited(a);
  });

  it('a lost answer: the credit already applied, so the retry completes it once', async () => {
    const a = await funded('us', 400);
    const b = await funded('apac', 0);
    await ledgerOf(a).pauseTransfers(true);
    const { transferId } = value(await transfer(a, b, 100));
    // The credit reached the recipient, but its answer never came back.
    const credit: ExecuteInput = {
      operationId: `${transferId}:credit`,
      account: {
        accountId: accountIdOf(b.customerId),
        customerId: b.customerId,
        region: 'apac',
        currency: 'USD',
      },
      command: {
        kind: 'transfer_credit',
        amount: 100,
        currency: 'USD',
        reference: transferId,
        from: accountIdOf(a.customerId),
        fromCustomerId: a.customerId,
      },
    };
    expect((await ledgerOf(b).execute(credit, meta())).ok).toBe(true);
    await ledgerOf(a).pauseTransfers(false);
    await ledgerOf(a).driveTransfers();
    expect(await statusOf(a, transferId)).toMatchObject({ status: 'COMPLETED' });
    expect(await balanceOf(a)).toEqual({ balance: 300, inTransit: 0 });
    expect(await balanceOf(b)).toEqual({ balance: 100, inTransit: 0 });
    await audited(a, b);
  });

  it('another customer cannot see the transfer (404)', async () => {
    const a = await funded('us', 10);
    const b = await funded('us', 0);
    const { transferId } = value(await transfer(a, b, 10));
    expect(await payments.getTransfer({ ...b, transferId })).toMatchObject({
      ok: false,
      problem: { status: 404, code: 'transfer_not_found' },
    });
  });

  it('an alarm that fires twice has no second effect', async () => {
    const a = await funded('us', 90);
    const b = await funded('eu', 0);
    const { transferId } = value(await transfer(a, b, 90));
    await eventually(async () => (await statusOf(a, transferId)).status === 'COMPLETED');
    const before = [await ledgerOf(a).account(), await ledgerOf(b).account()];
    await runInDurableObject(ledgerOf(a), (ledger: AccountLedger) => ledger.alarm());
    await runInDurableObject(ledgerOf(a), (ledger: AccountLedger) => ledger.alarm());
    expect([await ledgerOf(a).account(), await ledgerOf(b).account()]).toEqual(before);
    await audited(a, b);
  });
});
