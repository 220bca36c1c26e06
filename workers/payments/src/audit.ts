/**
 * A ledger's self-check, for operators and tests: replay the whole log from
 * nothing and compare it with the cached state, with the latest snapshot plus
 * its tail, with the stored balance after each event, and with the side
 * tables that are derived from the log (capture totals, transfers in flight).
 */
import type { Captures } from './captures';
import { apply, EMPTY_STATE, type LedgerState } from './fold';
import type { Journal } from './journal';
import type { TransferBook } from './transfers';

export interface LedgerAudit {
  cached: LedgerState;
  replayed: LedgerState;
  fromSnapshot: LedgerState;
  snapshotVersion: number | null;
  /** Every event's stored balance_after equals the replayed balance at that event. */
  balancesAfterAgree: boolean;
  /** The capture/refund totals per order equal those replayed from the log. */
  capturesAgree: boolean;
  /** The transfers in flight sum to the replayed `inTransit`. */
  inFlightAgrees: boolean;
  ok: boolean;
}

const sameState = (a: LedgerState, b: LedgerState) => JSON.stringify(a) === JSON.stringify(b);

export function auditLedger(
  journal: Journal,
  captures: Captures,
  transfers: TransferBook,
): LedgerAudit {
  let state = EMPTY_STATE;
  let balancesAfterAgree = true;
  const totals = new Map<string, { captured: number; refunded: number }>();
  for (const event of journal.all()) {
    state = apply(state, event);
    if (event.balanceAfter !== state.balance) balancesAfterAgree = false;
    if (event.reference && (event.type === 'PaymentCaptured' || event.type === 'PaymentRefunded')) {
      const t = totals.get(event.reference) ?? { captured: 0, refunded: 0 };
      if (event.type === 'PaymentCaptured') t.captured += event.amount;
      else t.refunded += event.amount;
      totals.set(event.reference, t);
    }
  }
  const sorted = new Map([...totals.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  const capturesAgree = JSON.stringify([...sorted]) === JSON.stringify([...captures.all()]);
  const inFlightAgrees = transfers.inFlightTotal() === state.inTransit;
  const fromSnapshot = journal.load();
  const cached = journal.state;
  return {
    cached,
    replayed: state,
    fromSnapshot,
    snapshotVersion: journal.snapshotAsOf()?.version ?? null,
    balancesAfterAgree,
    capturesAgree,
    inFlightAgrees,
    ok:
      sameState(cached, state) &&
      sameState(fromSnapshot, state) &&
      balancesAfterAgree &&
      capturesAgree &&
      inFlightAgrees,
  };
}
