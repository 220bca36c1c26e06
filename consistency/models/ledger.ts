/**
 * One customer's account ledger as a client observes it: the balance and its
 * version (`GET /v1/accounts/me`), deposits (`POST …/deposits`, answered with
 * the balance and version after), and the capture and refund an order's saga
 * makes there, each known to have happened between placing the order and
 * seeing it end. Every applied command appends one event (version + 1); a
 * refused capture appends none.
 *
 *   deposit   balance += a
 *   capture   balance -= a when the balance covers it, else refused
 *   refund    (the saga's compensation) gives a capture back; before the
 *             capture it voids it, so a late capture is refused
 *
 * A history starts with a `baseline` read of the account (the initial
 * balance and version are unknown until then; it is not a droppable read).
 */
import type { NondeterministicModel } from '../nondeterministic.ts';
import { nondeterministic } from '../nondeterministic.ts';

export type LedgerInput =
  | { op: 'baseline'; account: string }
  | { op: 'balance'; account: string }
  | { op: 'deposit'; account: string; amount: number }
  | { op: 'capture'; account: string; order: string; amount: number }
  | { op: 'refund'; account: string; order: string; amount: number };

export type LedgerOutput =
  | { kind: 'account'; balance: number; version: number }
  | { kind: 'captured' }
  | { kind: 'refused' }
  | { kind: 'done' }
  | { kind: 'unknown' };

type OrderStatus = 'captured' | 'refused' | 'voided' | 'refunded';

export interface LedgerState {
  balance: number;
  version: number;
  known: boolean;
  /** By order id, sorted. */
  orders: ReadonlyArray<readonly [string, OrderStatus]>;
}

const signatures = new WeakMap<LedgerState, string>();
function signature(s: LedgerState): string {
  let sig = signatures.get(s);
  if (sig === undefined) {
    sig = `${s.known ? `${s.balance}@${s.version}` : '?'}|${s.orders.map((o) => o.join(':')).join(',')}`;
    signatures.set(s, sig);
  }
  return sig;
}

const statusOf = (s: LedgerState, order: string) => s.orders.find(([id]) => id === order)?.[1];

function withOrder(
  s: LedgerState,
  order: string,
  status: OrderStatus,
  balance: number,
  version: number,
): LedgerState {
  const orders = [...s.orders.filter(([id]) => id !== order), [order, status] as const];
  orders.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { known: true, balance, version, orders };
}

/** A capture in `s`: applied when the balance covers it and it was not voided. */
function capture(
  s: LedgerState,
  order: string,
  amount: number,
): { state: LedgerState; captured: boolean } {
  if (statusOf(s, order) !== undefined) return { state: s, captured: false };
  if (s.balance < amount)
    return { state: withOrder(s, order, 'refused', s.balance, s.version), captured: false };
  return {
    state: withOrder(s, order, 'captured', s.balance - amount, s.version + 1),
    captured: true,
  };
}

function refund(s: LedgerState, order: string, amount: number): LedgerState {
  const status = statusOf(s, order);
  if (status === 'captured')
    return withOrder(s, order, 'refunded', s.balance + amount, s.version + 1);
  if (status === undefined) return withOrder(s, order, 'voided', s.balance, s.version);
  return s;
}

const shows = (s: LedgerState, o: LedgerOutput) =>
  o.kind === 'account' && o.balance === s.balance && o.version === s.version;

function step(s: LedgerState, input: LedgerInput, output: LedgerOutput): LedgerState[] {
  if (!s.known) {
    if (input.op !== 'baseline' || output.kind !== 'account') return [];
    return [{ ...s, known: true, balance: output.balance, version: output.version }];
  }
  const unknown = output.kind === 'unknown';
  switch (input.op) {
    case 'baseline':
    case 'balance':
      return shows(s, output) ? [s] : [];
    case 'deposit': {
      const next = { ...s, balance: s.balance + input.amount, version: s.version + 1 };
      return unknown ? [s, next] : shows(next, output) ? [next] : [];
    }
    case 'capture': {
      const { state, captured } = capture(s, input.order, input.amount);
      if (unknown) return [s, state];
      return output.kind === (captured ? 'captured' : 'refused') ? [state] : [];
    }
    case 'refund': {
      const next = refund(s, input.order, input.amount);
      return unknown ? [s, next] : output.kind === 'done' ? [next] : [];
    }
  }
}

function describeOperation(input: LedgerInput, output: LedgerOutput): string {
  const out =
    output.kind === 'account'
      ? `balance ${output.balance} @ version ${output.version}`
      : output.kind === 'unknown'
        ? '? (no answer: possibly applied)'
        : output.kind;
  switch (input.op) {
    case 'baseline':
    case 'balance':
      return `${input.op}() → ${out}`;
    case 'deposit':
      return `deposit(${input.amount}) → ${out}`;
    default:
      return `${input.op}(${input.order}, ${input.amount}) → ${out}`;
  }
}

export const ledgerSpec: NondeterministicModel<LedgerState, LedgerInput, LedgerOutput> = {
  key: (input) => input.account,
  init: () => [{ known: false, balance: 0, version: 0, orders: [] }],
  step,
  equal: (a, b) => a === b || signature(a) === signature(b),
  describeOperation,
  describeState: (s) =>
    s.known
      ? `balance ${s.balance} @ version ${s.version}` +
        (s.orders.length ? `; orders ${s.orders.map((o) => o.join(':')).join(' ')}` : '')
      : 'not read yet',
  readOnly: (input) => input.op === 'balance',
};

/** The account ledger model as the checker runs it. */
export const ledgerModel = nondeterministic(ledgerSpec);
