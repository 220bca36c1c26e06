/**
 * What the saga shows: the order as its owner sees it, and the inspection an
 * operator reads (state, the recent log with how each reply came, deadlines,
 * undelivered outbox rows).
 */
import type { OrderView } from '@common/contracts/orders';
import type { OutboxRow } from '@common/outbox';
import type { SagaState } from './machine';
import type { SagaLogEntry, Trace } from './saga-store';

export interface SagaInspection {
  orderId: string;
  region: SagaState['region'];
  status: SagaState['status'];
  version: number;
  compensation: { release: SagaState['release']; refund: SagaState['refund'] };
  deadline: string | null;
  traceparent: string;
  /** The most recent entries, oldest first; `logOmitted` older ones are left out. */
  log: SagaLogEntry[];
  logOmitted: number;
  undelivered: Array<{ destination: string; type: string; attempts: number }>;
}

export function viewOf(s: SagaState): OrderView {
  return {
    orderId: s.orderId,
    customerId: s.customerId,
    status: s.status,
    items: s.items,
    total: s.total,
    history: s.history.map((h) => ({
      status: h.status,
      at: new Date(h.at).toISOString(),
      ...(h.reason ? { reason: h.reason } : {}),
    })),
  };
}

export function inspectionOf(
  { state, trace }: { state: SagaState; trace: Trace },
  log: { entries: SagaLogEntry[]; omitted: number },
  pending: OutboxRow[],
): SagaInspection {
  return {
    orderId: state.orderId,
    region: state.region,
    status: state.status,
    version: state.version,
    compensation: { release: state.release, refund: state.refund },
    deadline: state.deadlineAt === null ? null : new Date(state.deadlineAt).toISOString(),
    traceparent: trace.traceparent,
    log: log.entries,
    logOmitted: log.omitted,
    undelivered: pending.map((p) => ({
      destination: p.destination,
      type: p.envelope.type,
      attempts: p.attempts,
    })),
  };
}
