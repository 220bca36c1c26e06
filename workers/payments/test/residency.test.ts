/**
 * Data residency of payments: a customer's ledger is created in their home
 * region (jurisdiction and location hint), and their transactions and
 * directory entry are written to their home region's database only — an
 * `eu` customer's rows never reach the `us` or `apac` databases.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { accountIdOf, type LedgerEventMessage } from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';
import { newId } from '@common/ids';
import { REGIONS, type Region } from '@common/regions';
import { describe, expect, it } from 'vitest';
import { recordPlacements } from '../../../test/support/placement';
import PaymentsService from '../src/index';
import { paymentsDb } from '../src/projection';
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
} from './helpers';

/** Rows of `c` in one region's database: transactions and directory entries. */
async function rowsIn(region: Region, c: Customer) {
  const db = paymentsDb(env, region);
  const tx = await db
    .prepare('SELECT COUNT(*) AS n FROM transactions WHERE account_id = ?')
    .bind(accountIdOf(c.customerId))
    .first<{ n: number }>();
  const dir = await db
    .prepare('SELECT COUNT(*) AS n FROM accounts WHERE customer_id = ? OR account_id = ?')
    .bind(c.customerId, accountIdOf(c.customerId))
    .first<{ n: number }>();
  return { transactions: tx?.n ?? 0, directory: dir?.n ?? 0 };
}

/** Every region's counts for `c`: its home region must hold all of them. */
async function rowsByRegion(c: Customer) {
  const entries = await Promise.all(REGIONS.map(async (r) => [r, await rowsIn(r, c)] as const));
  return Object.fromEntries(entries) as Record<Region, Awaited<ReturnType<typeof rowsIn>>>;
}

const none = { transactions: 0, directory: 0 };

/** The payments worker with its ledger namespace recorded (the real objects behind it). */
function recordedPayments() {
  const recorded = recordPlacements(env.ACCOUNT_LEDGER);
  const service = new PaymentsService(createExecutionContext(), {
    ...env,
    ACCOUNT_LEDGER: recorded.namespace,
  });
  return { service, placements: recorded.placements };
}

describe('payments residency', () => {
  it('an eu customer’s transactions and directory entry are in the eu database only', async () => {
    const c = await open(newCustomer('eu'));
    await deposit(c, 500);
    await payments.capturePayment(
      { ...c, amount: 120, orderId: 'ord_R', operationId: newId('op') },
      meta(),
    );
    await eventually(async () => (await rowsIn('eu', c)).transactions === 3);
    expect(await rowsByRegion(c)).toEqual({
      eu: { transactions: 3, directory: 1 },
      us: none,
      apac: none,
    });
    const page = await payments.listTransactions(c);
    expect(page).toMatchObject({ ok: true, value: { source: 'projection' } });
    expect(page.ok && page.value.items.map((i) => i.amount.amount)).toEqual([120, 500]);
  });

  it('every region keeps its own customers: us and apac likewise', async () => {
    for (const region of ['us', 'apac'] as const) {
      const c = await open(newCustomer(region));
      await deposit(c, 10);
      await eventually(async () => (await rowsIn(region, c)).transactions === 2);
      const rows = await rowsByRegion(c);
      for (const other of REGIONS.filter((r) => r !== region)) expect(rows[other]).toEqual(none);
    }
  });

  it('a us → eu transfer: each side’s rows stay in its own region', async () => {
    const a = await open(newCustomer('us'));
    const b = await open(newCustomer('eu'));
    await deposit(a, 1000);
    const started = await payments.startTransfer(
      { ...a, toCustomerId: b.customerId, amount: 400, operationId: newId('op') },
      meta(),
    );
    expect(started.ok).toBe(true);
    // us: opened, deposit, debit, settle; eu: opened, credit.
    await eventually(async () => (await rowsIn('us', a)).transactions === 4);
    await eventually(async () => (await rowsIn('eu', b)).transactions === 2);
    expect(await rowsByRegion(a)).toEqual({
      us: { transactions: 4, directory: 1 },
      eu: none,
      apac: none,
    });
    expect(await rowsByRegion(b)).toEqual({
      eu: { transactions: 2, directory: 1 },
      us: none,
      apac: none,
    });
    const sum = (await balanceOf(a)).balance + (await balanceOf(b)).balance;
    expect(sum).toBe(1000);
  });

  it('an event whose envelope disagrees with its payload is written nowhere (retried)', async () => {
    const c = await open(newCustomer('eu'));
    const pending = await holdOutbox(ledgerOf(c));
    await deposit(c, 25);
    const [deposited] = (await pending()).filter(
      (e) => (e.payload as LedgerEventMessage).type === 'FundsDeposited',
    );
    if (!deposited) throw new Error('no deposit event');
    const forged: Envelope = { ...deposited, id: newId('msg'), region: 'us' };
    const batch = createMessageBatch('meridian-ledger-events-us', [
      { id: forged.id, timestamp: Date.now(), attempts: 1, body: forged },
    ]);
    const ctx = createExecutionContext();
    await new PaymentsService(ctx, env).queue(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([forged.id]);
    const us = await paymentsDb(env, 'us')
      .prepare('SELECT COUNT(*) AS n FROM transactions WHERE account_id = ?')
      .bind(accountIdOf(c.customerId))
      .first<{ n: number }>();
    expect(us?.n).toBe(0);
  });
});

describe('ledger placement', () => {
  it('an eu customer’s ledger is created in the eu jurisdiction near weur, for every operation', async () => {
    const { service, placements } = recordedPayments();
    const c = newCustomer('eu');
    await service.openAccount(c, meta());
    await service.deposit({ ...c, amount: 5, operationId: newId('op') }, meta());
    await service.listTransactions({ ...c, minVersion: 99 });
    await service.accountEvents({ ...c });
    expect(placements.length).toBeGreaterThanOrEqual(4);
    for (const p of placements) {
      expect(p).toEqual({
        jurisdiction: 'eu',
        name: `eu:${accountIdOf(c.customerId)}`,
        locationHint: 'weur',
      });
    }
  });

  it('us and apac ledgers carry their own hints and no jurisdiction', async () => {
    const { service, placements } = recordedPayments();
    await service.openAccount(newCustomer('us'), meta());
    await service.openAccount(newCustomer('apac'), meta());
    expect(placements.map((p) => [p.jurisdiction, p.name.split(':')[0], p.locationHint])).toEqual([
      [null, 'us', 'enam'],
      [null, 'apac', 'apac'],
    ]);
  });
});

describe('the recipient directory', () => {
  /** A region's database that does not answer (an outage stand-in for the real binding). */
  const unreachable = {
    prepare: () => {
      throw new Error('D1_ERROR: network connection lost (test outage)');
    },
  };

  it('finds a recipient in their own region’s directory, from any debtor region', async () => {
    for (const [from, to] of [
      ['eu', 'apac'],
      ['apac', 'us'],
      ['us', 'eu'],
    ] as const) {
      const a = await open(newCustomer(from));
      const b = await open(newCustomer(to));
      await deposit(a, 10);
      const started = await payments.startTransfer(
        { ...a, toCustomerId: b.customerId, amount: 10, operationId: newId('op') },
        meta(),
      );
      expect(started.ok, `${from} → ${to}`).toBe(true);
    }
  });

  it('with a region unreachable: a recipient elsewhere is still found; identity decides "no customer"', async () => {
    const service = new PaymentsService(createExecutionContext(), {
      ...env,
      PAYMENTS_DB_APAC: unreachable as unknown as D1Database,
    });
    const a = await open(newCustomer('us'));
    const b = await open(newCustomer('eu'));
    await deposit(a, 20);
    const found = await service.startTransfer(
      { ...a, toCustomerId: b.customerId, amount: 5, operationId: newId('op') },
      meta(),
    );
    expect(found.ok).toBe(true);
    // Not in any directory that answered: identity, which every region answered, knows no such customer.
    const unknown = await service.startTransfer(
      { ...a, toCustomerId: newCustomer('eu').customerId, amount: 5, operationId: newId('op') },
      meta(),
    );
    expect(unknown).toMatchObject({
      ok: false,
      problem: { status: 404, code: 'recipient_not_found' },
    });
  });

  it('when identity does not answer, an unlisted recipient is a 503, never a 404', async () => {
    const down = (problem: 'throws' | 'unavailable') => ({
      customerRegion: async () => {
        if (problem === 'throws') throw new Error('identity unreachable (test outage)');
        return {
          ok: false as const,
          problem: {
            status: 503,
            code: 'identity_unavailable',
            detail: 'identity in eu did not answer',
          },
        };
      },
    });
    const a = await open(newCustomer('us'));
    await deposit(a, 20);
    for (const outage of ['throws', 'unavailable'] as const) {
      const service = new PaymentsService(createExecutionContext(), {
        ...env,
        IDENTITY: down(outage) as unknown as typeof env.IDENTITY,
      });
      const result = await service.startTransfer(
        { ...a, toCustomerId: newCustomer('eu').customerId, amount: 5, operationId: newId('op') },
        meta(),
      );
      expect(result, outage).toMatchObject({
        ok: false,
        problem: { status: 503, code: 'recipient_lookup_unavailable' },
      });
    }
    expect(await balanceOf(a)).toEqual({ balance: 20, inTransit: 0 });
  });
});
