/**
 * The ledger's domain, as pure functions: events, the state they fold into,
 * and the decisions that turn a command into events or a refusal. Nothing
 * here touches storage, so replaying a log, folding from a snapshot and
 * checking a model all use the same code as the live ledger.
 *
 * The state is `balance` (spendable) and `inTransit` (sent by an outgoing
 * transfer and not yet credited or reversed); both are never negative.
 */
import {
  BALANCE_MAX,
  type LedgerEventType,
  type LedgerReceipt,
  NO_CURRENCY,
} from '@common/contracts/payments';
import { fail, ok, type Result } from '@common/problem';
import type { Region } from '@common/regions';
import type { LedgerCommand } from './ledger-types';

export interface LedgerEvent {
  seq: number;
  type: LedgerEventType;
  amount: number;
  reference: string | null;
  operationId: string | null;
  /** Epoch ms; never decreases along the log. */
  at: number;
  /** AccountOpened: the account's identity and currency; transfers: the other account and customer. */
  data: Record<string, string> | null;
}

/** An event before the journal gives it a sequence number and a time. */
export type EventDraft = Omit<LedgerEvent, 'seq' | 'at'>;

export interface LedgerState {
  accountId: string | null;
  customerId: string | null;
  region: Region | null;
  currency: string | null;
  openedAt: number | null;
  version: number;
  balance: number;
  inTransit: number;
  /** Time of the last event, so the next one is never earlier. */
  lastAt: number;
}

export const EMPTY_STATE: LedgerState = {
  accountId: null,
  customerId: null,
  region: null,
  currency: null,
  openedAt: null,
  version: 0,
  balance: 0,
  inTransit: 0,
  lastAt: 0,
};

/** Balance effect of each event type: [balance, inTransit] per unit of amount. */
const EFFECTS: Record<LedgerEventType, readonly [number, number]> = {
  AccountOpened: [0, 0],
  FundsDeposited: [1, 0],
  PaymentCaptured: [-1, 0],
  PaymentRefunded: [1, 0],
  TransferDebited: [-1, 1],
  TransferCredited: [1, 0],
  TransferSettled: [0, -1],
  TransferReversed: [1, -1],
};

export function directionOf(type: LedgerEventType): 'credit' | 'debit' | 'none' {
  const [balance] = EFFECTS[type];
  return balance > 0 ? 'credit' : balance < 0 ? 'debit' : 'none';
}

/**
 * Applies one event. An event that would break an invariant (a gap in the
 * sequence, a negative balance) is a corrupt log, not a business outcome: it
 * throws and stops whatever was folding it.
 */
export function apply(state: LedgerState, event: LedgerEvent): LedgerState {
  if (event.seq !== state.version + 1)
    throw new Error(`ledger event ${event.seq} follows version ${state.version}`);
  const [db, dt] = EFFECTS[event.type];
  const next: LedgerState = {
    ...state,
    version: event.seq,
    balance: state.balance + db * event.amount,
    inTransit: state.inTransit + dt * event.amount,
    lastAt: Math.max(state.lastAt, event.at),
  };
  if (event.type === 'AccountOpened') {
    next.accountId = event.data?.accountId ?? null;
    next.customerId = event.data?.customerId ?? null;
    next.region = (event.data?.region as Region | undefined) ?? null;
    next.currency = event.data?.currency ?? null;
    next.openedAt = event.at;
  }
  if (next.balance < 0 || next.inTransit < 0)
    throw new Error(`ledger event ${event.seq} (${event.type}) makes a level negative`);
  return next;
}

export function fold(events: Iterable<LedgerEvent>, from: LedgerState = EMPTY_STATE): LedgerState {
  let state = from;
  for (const event of events) state = apply(state, event);
  return state;
}

// ── Decisions ───────────────────────────────────────────────────────────────

export type MoneyCommand =
  | LedgerCommand
  | {
      kind: 'transfer_debit';
      amount: number;
      currency: string;
      reference: string;
      to: string;
      toCustomerId: string;
    };

const TYPE_OF: Record<MoneyCommand['kind'], LedgerEventType> = {
  deposit: 'FundsDeposited',
  capture: 'PaymentCaptured',
  refund: 'PaymentRefunded',
  transfer_credit: 'TransferCredited',
  transfer_debit: 'TransferDebited',
};

/** The event a command causes on an open account, or the rule it breaks. */
export function decide(
  state: LedgerState,
  command: MoneyCommand,
  operationId: string,
  { refundable }: { refundable: number } = { refundable: 0 },
): Result<EventDraft> {
  if (state.currency !== command.currency)
    return fail(
      409,
      'currency_mismatch',
      `the account is in ${state.currency ?? 'no currency'}, not ${command.currency}`,
    );
  const type = TYPE_OF[command.kind];
  const [db] = EFFECTS[type];
  if (db < 0 && command.amount > state.balance)
    return fail(
      409,
      'insufficient_funds',
      `the balance is ${state.balance}, ${command.amount} is needed`,
    );
  if (db > 0 && state.balance + state.inTransit + command.amount > BALANCE_MAX)
    return fail(409, 'balance_limit_exceeded', `the balance may not exceed ${BALANCE_MAX}`);
  if (command.kind === 'refund' && command.amount > refundable)
    return fail(
      409,
      'refund_exceeds_capture',
      `only ${refundable} of order ${command.reference} can still be refunded`,
    );
  return ok({
    type,
    amount: command.amount,
    reference: referenceOf(command),
    operationId,
    data: dataOf(command),
  });
}

/** What an event records of its command besides the amount: the other account, or the funding. */
function dataOf(command: MoneyCommand): Record<string, string> | null {
  switch (command.kind) {
    case 'transfer_credit':
      return { from: command.from, fromCustomerId: command.fromCustomerId };
    case 'transfer_debit':
      return { to: command.to, toCustomerId: command.toCustomerId };
    case 'deposit':
      return { ...(command.funding ?? { source: 'sandbox' }) };
    default:
      return null;
  }
}

/** The event's reference: the order or transfer, or the provider's event id of a top-up. */
export function referenceOf(command: MoneyCommand): string | null {
  if ('reference' in command) return command.reference;
  if (command.kind === 'deposit' && command.funding?.source === 'provider')
    return command.funding.eventId;
  return null;
}

export function receiptOf(state: LedgerState, replayed = false): LedgerReceipt {
  const currency = state.currency ?? NO_CURRENCY;
  return {
    accountId: state.accountId ?? '',
    balance: { amount: state.balance, currency },
    inTransit: { amount: state.inTransit, currency },
    version: state.version,
    replayed,
  };
}
