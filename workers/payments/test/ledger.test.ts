/** The account ledger: commands at most once, no negative balance, temporal queries, snapshots. */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { LEDGER_EVENT, type LedgerEventMessage } from '@common/contracts/payments';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import type { AccountLedger } from '../src/ledger';
import {
  balanceOf,
  deposit,
  holdOutbox,
  ledgerOf,
  meta,
  newCustomer,
  payments,
  sleep,
} from './helpers';

const capture = (
  c: ReturnType<typeof newCustomer>,
  amount: number,
  orderId: string,
  operationId = newId('op'),
) => payments.capturePayment({ ...c, amount, orderId, operationId }, meta());
const refund = (
  c: ReturnType<typeof newCustomer>,
  amount: number,
  orderId: string,
  operationId = newId('op'),
) => payments.refundPayment({ ...c, amount, orderId, operationId }, meta());

describe('commands', () => {
  it('a deposit answers the balance and the version (the consistency token)', async () => {
    const c = newCustomer();
    const first = await deposit(c, 500);
    expect(first).toMatchObject({
      ok: true,
      value: { balance: { amount: 500, currency: 'USD' }, version: 2 },
    });
    const second = await deposit(c, 250);
    expect(second).toMatchObject({ ok: true, value: { balance: { amount: 750 }, version: 3 } });
  });

  it('a capture beyond the balance is an insufficient_funds value and changes nothing', async () => {
    const c = newCustomer();
    await deposit(c, 100);
    const refused = await capture(c, 101, 'ord_A');
    expect(refused).toMatchObject({
      ok: false,
      problem: { status: 409, code: 'insufficient_funds' },
    });
    expect(await balanceOf(c)).toEqual({ balance: 100, inTransit: 0 });
    expect((await ledgerOf(c).account())?.version).toBe(2);
    expect(await capture(c, 100, 'ord_A')).toMatchObject({
      ok: true,
      value: { balance: { amount: 0 } },
    });
  });

  it('the same operation id applies once and answers the same, failures included', async () => {
    const c = newCustomer();
    const op = newId('op');
    const first = await deposit(c, 300, op);
    const again = await deposit(c, 300, op);
    expect(again).toEqual(
      first.ok ? { ok: true, value: { ...first.value, replayed: true } } : first,
    );
    const short = newId('op');
    const refused = await capture(c, 1000, 'ord_B', short);
    await deposit(c, 5000);
    // Funds arrived since, but the operation keeps the outcome it had.
    expect(await capture(c, 1000, 'ord_B', short)).toEqual(refused);
    expect(await balanceOf(c)).toEqual({ balance: 5300, inTransit: 0 });
  });

  it('an operation id used for another command is refused without effect', async () => {
    const c = newCustomer();
    const op = newId('op');
    await deposit(c, 300, op);
    const reused = await deposit(c, 301, op);
    expect(reused).toMatchObject({ ok: false, problem: { code: 'operation_id_reused' } });
    expect(await balanceOf(c)).toEqual({ balance: 300, inTransit: 0 });
  });

  it('refunds never exceed what was captured for the order', async () => {
    const c = newCustomer();
    await deposit(c, 1000);
    await capture(c, 400, 'ord_C');
    expect((await refund(c, 150, 'ord_C')).ok).toBe(true);
    expect(await refund(c, 251, 'ord_C')).toMatchObject({
      ok: false,
      problem: { code: 'refund_exceeds_capture' },
    });
    expect(await refund(c, 1, 'ord_other')).toMatchObject({
      ok: false,
      problem: { code: 'refund_exceeds_capture' },
    });
    expect((await refund(c, 250, 'ord_C')).ok).toBe(true);
    expect(await balanceOf(c)).toEqual({ balance: 1000, inTransit: 0 });
  });

  it('a cancelled operation never applies; cancelling an applied one answers its outcome', async () => {
    const c = newCustomer();
    await deposit(c, 10);
    const op = newId('op');
    expect(await ledgerOf(c).cancelOperation(op, meta())).toEqual({ status: 'cancelled' });
    expect(await deposit(c, 99, op)).toMatchObject({
      ok: false,
      problem: { code: 'operation_cancelled' },
    });
    const applied = newId('op');
    const first = await deposit(c, 5, applied);
    expect(await ledgerOf(c).cancelOperation(applied, meta())).toEqual({
      status: 'applied',
      outcome: first,
    });
    expect(await balanceOf(c)).toEqual({ balance: 15, inTransit: 0 });
  });

  it('money in another currency is refused', async () => {
    const c = newCustomer();
    const result = await payments.deposit(
      { ...c, amount: 5, currency: 'EUR', operationId: newId('op') },
      meta(),
    );
    expect(result).toMatchObject({ ok: false, problem: { code: 'currency_mismatch' } });
  });

  it('bad input is a 400 value naming the field', async () => {
    const c = newCustomer();
    const result = await payments.deposit({ ...c, amount: -5, operationId: newId('op') }, meta());
    expect(result).toMatchObject({ ok: false, problem: { status: 400, code: 'payments_invalid' } });
    expect(!result.ok && result.problem.errors?.[0]?.path).toBe('amount');
  });
});

describe('event log', () => {
  it('balance and events as of any past instant', async () => {
    const c = newCustomer();
    const marks: { at: number; balance: number; version: number }[] = [];
    const steps = [
      () => deposit(c, 1000),
      () => capture(c, 300, 'ord_T'),
      () => refund(c, 100, 'ord_T'),
      () => deposit(c, 50),
    ];
    for (const step of steps) {
      const result = await step();
      if (!result.ok) throw new Error(result.problem.detail);
      await sleep(5);
      marks.push({
        at: Date.now(),
        balance: result.value.balance.amount,
        version: result.value.version,
      });
      await sleep(5);
    }
    for (const mark of marks) {
      const page = await payments.accountEvents({ ...c, until: mark.at });
      if (!page.ok) throw new Error(page.problem.detail);
      expect(page.value.balanceAt.amount).toBe(mark.balance);
      expect(page.value.versionAt).toBe(mark.version);
      expect(page.value.events.map((e) => e.seq)).toEqual(
        Array.from({ length: mark.version }, (_, i) => i + 1),
      );
    }
    const before = await payments.accountEvents({ ...c, until: 0 });
    expect(before).toMatchObject({
      ok: true,
      value: { balanceAt: { amount: 0 }, versionAt: 0, events: [] },
    });
    const all = await payments.accountEvents(c);
    expect(all.ok && all.value.events.map((e) => e.type)).toEqual([
      'AccountOpened',
      'FundsDeposited',
      'PaymentCaptured',
      'PaymentRefunded',
      'FundsDeposited',
    ]);
  });

  it('a snapshot every N events; snapshot + tail equals the full replay', async () => {
    const c = newCustomer();
    for (let i = 1; i <= 13; i++) await deposit(c, i * 10);
    const audit = await ledgerOf(c).audit();
    // 14 events (AccountOpened + 13 deposits), a snapshot every 5 in tests.
    expect(audit.snapshotVersion).toBe(10);
    expect(audit.fromSnapshot).toEqual(audit.replayed);
    expect(audit.cached).toEqual(audit.replayed);
    expect(audit.ok).toBe(true);
    expect(audit.replayed.balance).toBe(910);
  });

  it('a restarted ledger rebuilds the same state from its snapshot and tail', async () => {
    const c = newCustomer();
    for (let i = 0; i < 7; i++) await deposit(c, 100);
    const before = await ledgerOf(c).account();
    await evictDurableObject(ledgerOf(c));
    expect(await ledgerOf(c).account()).toEqual(before);
    expect((await ledgerOf(c).audit()).ok).toBe(true);
  });

  it('the event log refuses updates and deletes', async () => {
    const c = newCustomer();
    await deposit(c, 100);
    await runInDurableObject(ledgerOf(c), (_ledger: AccountLedger, state) => {
      expect(() => state.storage.sql.exec('UPDATE events SET amount = 0')).toThrow(/append-only/);
      expect(() => state.storage.sql.exec('DELETE FROM events')).toThrow(/append-only/);
    });
    expect(await balanceOf(c)).toEqual({ balance: 100, inTransit: 0 });
  });

  it('every event is committed with its outbox row', async () => {
    const c = newCustomer();
    const pending = await holdOutbox(ledgerOf(c));
    await deposit(c, 70);
    await capture(c, 20, 'ord_O');
    await capture(c, 999, 'ord_O');
    const events = (await pending()).filter((e) => e.type === LEDGER_EVENT);
    expect(events.map((e) => (e.payload as LedgerEventMessage).type)).toEqual([
      'AccountOpened',
      'FundsDeposited',
      'PaymentCaptured',
    ]);
    expect(events.map((e) => (e.payload as LedgerEventMessage).balanceAfter)).toEqual([0, 70, 50]);
  });

  it('a write answers once committed, not once relayed: a queue that never answers does not hold it', async () => {
    const c = newCustomer();
    let giveUp = () => {};
    let sends = 0;
    await runInDurableObject(ledgerOf(c), (ledger: AccountLedger) => {
      // The queue takes the call and does not answer until the test gives up on it.
      ledger.send = () => {
        sends++;
        return new Promise<void>((_, reject) => {
          giveUp = () => reject(new Error('queue timed out (test)'));
        });
      };
    });
    const answered = await Promise.race([deposit(c, 40), sleep(5000).then(() => 'held' as const)]);
    expect(answered).toMatchObject({ ok: true, value: { balance: { amount: 40 } } });
    expect(sends).toBe(1);
    expect(await ledgerOf(c).outboxPending()).toBe(2);
    // Settled from the object's own context: its I/O belongs to it.
    await runInDurableObject(ledgerOf(c), () => giveUp());
    expect(await ledgerOf(c).outboxPending()).toBe(2);
  });
});
