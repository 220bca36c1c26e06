/** The transactions read model: fed over the queue, idempotent, read-your-writes with a token. */
import {
  createExecutionContext,
  createMessageBatch,
  evictDurableObject,
  getQueueResult,
  runInDurableObject,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { accountIdOf, type LedgerEventMessage } from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';
import { describe, expect, it } from 'vitest';
import PaymentsService from '../src/index';
import type { AccountLedger } from '../src/ledger';
import { paymentsDb } from '../src/projection';
import {
  type Customer,
  deposit,
  eventually,
  holdOutbox,
  ledgerOf,
  meta,
  newCustomer,
  payments,
} from './helpers';

/** These tests' customers are `us` unless they say otherwise: their rows are in the us database. */
const db = paymentsDb(env, 'us');

/** Delivers envelopes to the worker's real queue handler, as the queue would. */
async function deliver(envelopes: Envelope[], attempts = 1) {
  const batch = createMessageBatch(
    'meridian-ledger-events-us',
    envelopes.map((body) => ({ id: body.id, timestamp: Date.now(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await new PaymentsService(ctx, env).queue(batch);
  return getQueueResult(batch, ctx);
}

async function projectedRows(c: Customer) {
  const { results } = await db
    .prepare('SELECT seq, type, balance_after FROM transactions WHERE account_id = ? ORDER BY seq')
    .bind(accountIdOf(c.customerId))
    .all<{ seq: number; type: string; balance_after: number }>();
  return results;
}

/** Lets the held outbox go: a fresh instance uses the real queue binding again. */
async function releaseOutbox(c: Customer) {
  await evictDurableObject(ledgerOf(c));
  await ledgerOf(c).flushOutbox();
}

describe('transactions projection', () => {
  it('ledger events reach the projection over the queue', async () => {
    const c = newCustomer();
    await deposit(c, 120);
    await payments.capturePayment(
      { ...c, amount: 20, orderId: 'ord_P', operationId: 'op_p1' },
      meta(),
    );
    await eventually(async () => (await projectedRows(c)).length === 3);
    const page = await payments.listTransactions(c);
    expect(page).toMatchObject({ ok: true, value: { source: 'projection' } });
    expect(
      page.ok &&
        page.value.items.map((i) => [i.type, i.direction, i.amount.amount, i.balanceAfter.amount]),
    ).toEqual([
      ['PaymentCaptured', 'debit', 20, 100],
      ['FundsDeposited', 'credit', 120, 120],
    ]);
  });

  it('redelivery of every event has no second effect', async () => {
    const c = newCustomer();
    const pending = await holdOutbox(ledgerOf(c));
    await deposit(c, 10);
    await deposit(c, 20);
    const envelopes = await pending();
    expect(envelopes).toHaveLength(3);
    const first = await deliver(envelopes);
    expect(first.explicitAcks.sort()).toEqual(envelopes.map((e) => e.id).sort());
    const second = await deliver(envelopes, 2);
    expect(second.explicitAcks).toHaveLength(3);
    // And once more through the real queue, when the outbox is let go.
    await releaseOutbox(c);
    await eventually(async () => (await ledgerOf(c).outboxPending()) === 0);
    expect(await projectedRows(c)).toEqual([
      { seq: 1, type: 'AccountOpened', balance_after: 0 },
      { seq: 2, type: 'FundsDeposited', balance_after: 10 },
      { seq: 3, type: 'FundsDeposited', balance_after: 30 },
    ]);
    const inbox = await db
      .prepare(
        `SELECT COUNT(*) AS n FROM inbox WHERE message_id IN (${envelopes.map(() => '?').join(',')})`,
      )
      .bind(...envelopes.map((e) => e.id))
      .first<{ n: number }>();
    expect(inbox?.n).toBe(3);
  });

  it('a read with the consistency token is served by the ledger while the projection lags', async () => {
    const c = newCustomer();
    const pending = await holdOutbox(ledgerOf(c));
    const written = await deposit(c, 75);
    if (!written.ok) throw new Error(written.problem.detail);
    const token = written.value.version;
    expect((await pending()).length).toBe(2);

    const stale = await payments.listTransactions(c);
    expect(stale).toMatchObject({ ok: true, value: { source: 'projection', items: [] } });
    const fresh = await payments.listTransactions({ ...c, minVersion: token });
    expect(fresh).toMatchObject({ ok: true, value: { source: 'ledger' } });
    expect(fresh.ok && fresh.value.items.map((i) => i.amount.amount)).toEqual([75]);

    await releaseOutbox(c);
    await eventually(async () => (await projectedRows(c)).length === token);
    const caughtUp = await payments.listTransactions({ ...c, minVersion: token });
    expect(caughtUp).toMatchObject({ ok: true, value: { source: 'projection' } });
    expect(caughtUp.ok && caughtUp.value.items).toEqual(fresh.ok && fresh.value.items);
  });

  it('out of order: the projection counts as current only when it holds every seq up to the token', async () => {
    const c = newCustomer();
    const pending = await holdOutbox(ledgerOf(c));
    await deposit(c, 1);
    await deposit(c, 2);
    const envelopes = await pending();
    const bySeq = (seq: number) =>
      envelopes.filter((e) => (e.payload as LedgerEventMessage).seq === seq);
    await deliver([...bySeq(3), ...bySeq(1)]);
    const gap = await payments.listTransactions({ ...c, minVersion: 3 });
    expect(gap).toMatchObject({ ok: true, value: { source: 'ledger' } });
    await deliver(bySeq(2));
    const complete = await payments.listTransactions({ ...c, minVersion: 3 });
    expect(complete).toMatchObject({ ok: true, value: { source: 'projection' } });
  });

  it('opening an account registers it in the directory once', async () => {
    const c = newCustomer('eu');
    const first = await payments.openAccount(c, meta());
    const again = await payments.openAccount(c, meta());
    expect(again).toEqual(first);
    const row = await paymentsDb(env, 'eu')
      .prepare('SELECT region, currency FROM accounts WHERE customer_id = ?')
      .bind(c.customerId)
      .first();
    expect(row).toEqual({ region: 'eu', currency: 'USD' });
    const account = await runInDurableObject(ledgerOf(c), (ledger: AccountLedger) =>
      ledger.account(),
    );
    expect(account?.version).toBe(1);
  });
});
