/** Money entering a ledger: provider top-ups, admin credits, sandbox deposits. */
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { balanceOf, deposit, ledgerOf, meta, newCustomer, payments } from './helpers';

/** The provider's ids are its own, not ours. */
const providerEventId = () => `evt_${crypto.randomUUID().replaceAll('-', '')}`;

const topUp = (
  c: { customerId: string; region: 'us' | 'eu' | 'apac' },
  eventId: string,
  amount: number,
) => payments.creditTopUp({ ...c, eventId, amount, currency: 'USD' }, meta());

describe('provider top-ups', () => {
  it('credits once per provider event id: a redelivered event credits nothing more', async () => {
    const c = newCustomer('eu');
    const eventId = providerEventId();
    const first = await topUp(c, eventId, 2500);
    expect(first).toMatchObject({
      ok: true,
      value: { balance: { amount: 2500 }, replayed: false },
    });
    const again = await topUp(c, eventId, 2500);
    expect(again).toMatchObject({ ok: true, value: { balance: { amount: 2500 }, replayed: true } });
    expect(await balanceOf(c)).toEqual({ balance: 2500, inTransit: 0 });
    // Concurrent redeliveries: still one credit.
    const other = providerEventId();
    await Promise.all(Array.from({ length: 5 }, () => topUp(c, other, 100)));
    expect((await balanceOf(c)).balance).toBe(2600);
  });

  it('the same event id with another amount is refused and changes nothing', async () => {
    const c = newCustomer();
    const eventId = providerEventId();
    await topUp(c, eventId, 700);
    const forged = await topUp(c, eventId, 70_000);
    expect(forged).toMatchObject({
      ok: false,
      problem: { status: 409, code: 'operation_id_reused' },
    });
    expect((await balanceOf(c)).balance).toBe(700);
  });

  it('a top-up in another currency than the account’s is refused', async () => {
    const c = newCustomer();
    const res = await payments.creditTopUp(
      { ...c, eventId: providerEventId(), amount: 100, currency: 'EUR' },
      meta(),
    );
    expect(res).toMatchObject({ ok: false, problem: { status: 409, code: 'currency_mismatch' } });
    expect((await balanceOf(c)).balance).toBe(0);
  });
});

describe('credits audit', () => {
  it('records every entry of money with its source, and who credited and why for an admin', async () => {
    const c = newCustomer('apac');
    const eventId = providerEventId();
    await topUp(c, eventId, 1000);
    const credit = await payments.adminCredit(
      {
        ...c,
        amount: 250,
        operationId: newId('op'),
        by: 'operator',
        reason: 'goodwill: late order',
      },
      meta(),
    );
    expect(credit).toMatchObject({ ok: true, value: { balance: { amount: 1250 } } });
    await deposit(c, 5);
    const page = await payments.credits({ ...c, limit: 10 });
    if (!page.ok) throw new Error(page.problem.detail);
    expect(page.value.items.map(({ seq: _seq, at: _at, ...rest }) => rest)).toEqual([
      { source: 'sandbox', amount: { amount: 5, currency: 'USD' } },
      {
        source: 'admin',
        amount: { amount: 250, currency: 'USD' },
        by: 'operator',
        reason: 'goodwill: late order',
      },
      { source: 'provider', amount: { amount: 1000, currency: 'USD' }, eventId },
    ]);
    // The same records are the ledger's events: the audit survives a full replay.
    expect((await ledgerOf(c).audit()).ok).toBe(true);
  });

  it('an admin credit needs a reason', async () => {
    const c = newCustomer();
    const res = await payments.adminCredit(
      { ...c, amount: 10, operationId: newId('op'), by: 'operator', reason: ' ' },
      meta(),
    );
    expect(res).toMatchObject({ ok: false, problem: { status: 400 } });
    expect((await balanceOf(c)).balance).toBe(0);
  });

  it('the customer’s events say where each deposit came from', async () => {
    const c = newCustomer();
    await topUp(c, providerEventId(), 40);
    const page = await payments.accountEvents({ ...c });
    if (!page.ok) throw new Error(page.problem.detail);
    expect(page.value.events.find((e) => e.type === 'FundsDeposited')?.source).toBe('provider');
  });
});
