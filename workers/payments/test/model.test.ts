/**
 * Model-based test (fast-check): random interleavings of deposits, captures,
 * refunds, transfers (started, and settled later), and redeliveries of
 * earlier commands, across accounts in several regions. After every step:
 * every balance matches the model and none is negative, and the sum of
 * balances plus money in transit equals deposits − captures + refunds. After
 * every run: replaying each log reproduces its state, and snapshot + tail
 * equals the full replay.
 */
import { newId } from '@common/ids';
import type { Region } from '@common/regions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceOf, type Customer, ledgerOf, meta, newCustomer, open, payments } from './helpers';

const REGIONS_OF_ACCOUNTS: Region[] = ['us', 'eu', 'apac', 'us', 'eu'];
const N = REGIONS_OF_ACCOUNTS.length;
const ORDERS = ['ord_0', 'ord_1', 'ord_2'];

interface Model {
  balance: number[];
  inTransit: number[];
  /** Per account, per order: captured − refunded. */
  refundable: Map<string, number>[];
  pending: { from: number; to: number; amount: number }[];
  deposits: number;
  captures: number;
  refunds: number;
}

interface Issued {
  send: () => Promise<unknown>;
  first: unknown;
}

interface Real {
  customers: Customer[];
  issued: Issued[];
}

/** A result without the replay flag, and a transfer by its id (its status moves on). */
function comparable(result: unknown): unknown {
  if (typeof result !== 'object' || result === null || !('ok' in result)) return result;
  const r = result as { ok: boolean; value?: Record<string, unknown> };
  if (!r.ok || !r.value) return result;
  if ('transferId' in r.value) return { ok: true, transferId: r.value.transferId };
  const { replayed: _replayed, ...rest } = r.value;
  return { ok: true, value: rest };
}

async function issue(real: Real, send: () => Promise<unknown>) {
  const first = await send();
  real.issued.push({ send, first });
  return first as { ok: boolean };
}

async function checkInvariants(model: Model, real: Real) {
  const levels = await Promise.all(real.customers.map(balanceOf));
  levels.forEach((level, i) => {
    expect(level.balance).toBeGreaterThanOrEqual(0);
    expect(level).toEqual({ balance: model.balance[i], inTransit: model.inTransit[i] });
  });
  const held = levels.reduce((sum, l) => sum + l.balance + l.inTransit, 0);
  expect(held).toBe(model.deposits - model.captures + model.refunds);
}

class Deposit implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly i: number,
    readonly amount: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const c = real.customers[this.i] as Customer;
    const op = newId('op');
    const result = await issue(real, () =>
      payments.deposit({ ...c, amount: this.amount, operationId: op }, meta()),
    );
    expect(result.ok).toBe(true);
    model.balance[this.i] = (model.balance[this.i] ?? 0) + this.amount;
    model.deposits += this.amount;
    await checkInvariants(model, real);
  }
  toString = () => `deposit(${this.i}, ${this.amount})`;
}

class Capture implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly i: number,
    readonly amount: number,
    readonly order: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const c = real.customers[this.i] as Customer;
    const op = newId('op');
    const result = await issue(real, () =>
      payments.capturePayment(
        { ...c, amount: this.amount, orderId: this.order, operationId: op },
        meta(),
      ),
    );
    const affordable = (model.balance[this.i] ?? 0) >= this.amount;
    expect(result.ok).toBe(affordable);
    if (affordable) {
      model.balance[this.i] = (model.balance[this.i] ?? 0) - this.amount;
      const refs = model.refundable[this.i] as Map<string, number>;
      refs.set(this.order, (refs.get(this.order) ?? 0) + this.amount);
      model.captures += this.amount;
    }
    await checkInvariants(model, real);
  }
  toString = () => `capture(${this.i}, ${this.amount}, ${this.order})`;
}

class Refund implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly i: number,
    readonly amount: number,
    readonly order: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const c = real.customers[this.i] as Customer;
    const op = newId('op');
    const result = await issue(real, () =>
      payments.refundPayment(
        { ...c, amount: this.amount, orderId: this.order, operationId: op },
        meta(),
      ),
    );
    const refs = model.refundable[this.i] as Map<string, number>;
    const allowed = (refs.get(this.order) ?? 0) >= this.amount;
    expect(result.ok).toBe(allowed);
    if (allowed) {
      refs.set(this.order, (refs.get(this.order) ?? 0) - this.amount);
      model.balance[this.i] = (model.balance[this.i] ?? 0) + this.amount;
      model.refunds += this.amount;
    }
    await checkInvariants(model, real);
  }
  toString = () => `refund(${this.i}, ${this.amount}, ${this.order})`;
}

class Transfer implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly amount: number,
  ) {}
  check = () => this.from !== this.to;
  async run(model: Model, real: Real) {
    const [a, b] = [real.customers[this.from] as Customer, real.customers[this.to] as Customer];
    const op = newId('op');
    const result = await issue(real, () =>
      payments.startTransfer(
        { ...a, toCustomerId: b.customerId, amount: this.amount, operationId: op },
        meta(),
      ),
    );
    const affordable = (model.balance[this.from] ?? 0) >= this.amount;
    expect(result.ok).toBe(affordable);
    if (affordable) {
      model.balance[this.from] = (model.balance[this.from] ?? 0) - this.amount;
      model.inTransit[this.from] = (model.inTransit[this.from] ?? 0) + this.amount;
      model.pending.push({ from: this.from, to: this.to, amount: this.amount });
    }
    await checkInvariants(model, real);
  }
  toString = () => `transfer(${this.from} → ${this.to}, ${this.amount})`;
}

/** The debtor's saga runs: every transfer in flight from account i is credited and settled. */
class Settle implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const ledger = ledgerOf(real.customers[this.i] as Customer);
    await ledger.pauseTransfers(false);
    await ledger.driveTransfers();
    await ledger.pauseTransfers(true);
    for (const t of model.pending.filter((p) => p.from === this.i)) {
      model.inTransit[t.from] = (model.inTransit[t.from] ?? 0) - t.amount;
      model.balance[t.to] = (model.balance[t.to] ?? 0) + t.amount;
    }
    model.pending = model.pending.filter((p) => p.from !== this.i);
    await checkInvariants(model, real);
  }
  toString = () => `settle(${this.i})`;
}

/** At-least-once delivery: an earlier command arrives again; it answers the same and changes nothing. */
class Redeliver implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const earlier = real.issued[this.pick % Math.max(1, real.issued.length)];
    if (!earlier) return;
    expect(comparable(await earlier.send())).toEqual(comparable(earlier.first));
    await checkInvariants(model, real);
  }
  toString = () => `redeliver(#${this.pick})`;
}

const account = fc.integer({ min: 0, max: N - 1 });
const order = fc.constantFrom(...ORDERS);
const commands = [
  fc.tuple(account, fc.integer({ min: 1, max: 500 })).map(([i, a]) => new Deposit(i, a)),
  fc
    .tuple(account, fc.integer({ min: 1, max: 600 }), order)
    .map(([i, a, o]) => new Capture(i, a, o)),
  fc
    .tuple(account, fc.integer({ min: 1, max: 300 }), order)
    .map(([i, a, o]) => new Refund(i, a, o)),
  fc
    .tuple(account, account, fc.integer({ min: 1, max: 400 }))
    .map(([f, t, a]) => new Transfer(f, t, a)),
  account.map((i) => new Settle(i)),
  fc.nat({ max: 1000 }).map((k) => new Redeliver(k)),
];

async function setup(): Promise<{ model: Model; real: Real }> {
  const customers = await Promise.all(REGIONS_OF_ACCOUNTS.map((r) => open(newCustomer(r))));
  // Transfers stay in flight until a Settle step drives them, so every step is observable.
  await Promise.all(customers.map((c) => ledgerOf(c).pauseTransfers(true)));
  const model: Model = {
    balance: customers.map(() => 0),
    inTransit: customers.map(() => 0),
    refundable: customers.map(() => new Map()),
    pending: [],
    deposits: 0,
    captures: 0,
    refunds: 0,
  };
  return { model, real: { customers, issued: [] } };
}

describe('model: money across many accounts', () => {
  it('no negative balance; balances + in transit = deposits − captures + refunds; replay reproduces', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
        const { model, real } = await setup();
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        for (const c of real.customers) {
          const audit = await ledgerOf(c).audit();
          expect(audit.replayed).toEqual(audit.cached);
          expect(audit.fromSnapshot).toEqual(audit.replayed);
          expect(audit.ok).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});
