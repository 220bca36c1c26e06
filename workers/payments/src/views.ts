/** How ledger state and events look from outside (RPC and HTTP): money objects, ISO times. */
import {
  type AccountEventView,
  type AccountView,
  type CreditView,
  FUNDING_SOURCES,
  type FundingSource,
  type LedgerEventMessage,
  NO_CURRENCY,
  TRANSFER_EVENT_TYPES,
  type TransactionItem,
  type TransferEventMessage,
} from '@common/contracts/payments';
import type { Region } from '@common/regions';
import { directionOf, type LedgerState } from './fold';
import type { StoredEvent } from './journal';

const iso = (ms: number) => new Date(ms).toISOString();

export function accountViewOf(state: LedgerState): AccountView | null {
  if (!state.accountId || !state.customerId || !state.region || !state.currency) return null;
  const currency = state.currency;
  return {
    accountId: state.accountId,
    customerId: state.customerId,
    region: state.region,
    balance: { amount: state.balance, currency },
    inTransit: { amount: state.inTransit, currency },
    version: state.version,
    openedAt: iso(state.openedAt ?? 0),
  };
}

export function eventViewOf(event: StoredEvent, currency: string): AccountEventView {
  return {
    seq: event.seq,
    type: event.type,
    ...(event.type === 'AccountOpened' ? {} : { amount: { amount: event.amount, currency } }),
    ...(event.reference ? { reference: event.reference } : {}),
    ...(event.type === 'FundsDeposited' ? { source: sourceOf(event) } : {}),
    at: iso(event.at),
  };
}

/** A FundsDeposited event's funding source; events from before sources were recorded are sandbox deposits. */
function sourceOf(event: StoredEvent): FundingSource {
  const source = event.data?.source;
  return FUNDING_SOURCES.find((s) => s === source) ?? 'sandbox';
}

/** A money entry as operators audit it: the source, and who and why for an admin credit. */
export function creditOf(event: StoredEvent, currency: string): CreditView {
  const data = event.data ?? {};
  return {
    seq: event.seq,
    source: sourceOf(event),
    amount: { amount: event.amount, currency },
    ...(data.eventId ? { eventId: data.eventId } : {}),
    ...(data.by ? { by: data.by } : {}),
    ...(data.reason ? { reason: data.reason } : {}),
    at: iso(event.at),
  };
}

export function transactionOf(event: StoredEvent, currency: string): TransactionItem {
  return {
    seq: event.seq,
    type: event.type,
    direction: directionOf(event.type),
    amount: { amount: event.amount, currency },
    balanceAfter: { amount: event.balanceAfter, currency },
    reference: event.reference,
    at: iso(event.at),
  };
}

export function messageOf(event: StoredEvent, state: LedgerState): LedgerEventMessage {
  return {
    accountId: state.accountId ?? '',
    customerId: state.customerId ?? '',
    region: state.region ?? ('us' satisfies Region),
    seq: event.seq,
    type: event.type,
    amount: event.amount,
    currency: state.currency ?? NO_CURRENCY,
    balanceAfter: event.balanceAfter,
    reference: event.reference,
    at: event.at,
  };
}

const isTransferEvent = (type: StoredEvent['type']): type is TransferEventMessage['type'] =>
  (TRANSFER_EVENT_TYPES as readonly string[]).includes(type);

/**
 * The transfer event a ledger event is for its customer (debited or
 * reversed: the sender; credited: the recipient), if it is one. Events
 * recorded before they named the other customer have none.
 */
export function transferEventOf(
  event: StoredEvent,
  state: LedgerState,
): TransferEventMessage | undefined {
  if (!isTransferEvent(event.type) || !event.reference || !state.customerId) return undefined;
  const self = state.customerId;
  const other =
    event.type === 'TransferCredited' ? event.data?.fromCustomerId : event.data?.toCustomerId;
  if (!other || !state.region) return undefined;
  const received = event.type === 'TransferCredited';
  return {
    transferId: event.reference,
    customerId: self,
    region: state.region,
    type: event.type,
    fromCustomerId: received ? other : self,
    toCustomerId: received ? self : other,
    amount: event.amount,
    currency: state.currency ?? NO_CURRENCY,
    at: event.at,
  };
}
