/**
 * Outgoing transfers of one account: the saga's state, kept in the debtor's
 * ledger so that the debit and the record of the money in transit commit in
 * one transaction. The ledger's alarm drives each IN_FLIGHT transfer: credit
 * the recipient (idempotent by operation id), then settle; a refused credit
 * reverses the debit; a credit that cannot be reached by the deadline is
 * cancelled at the recipient first, so it is reversed only when it can no
 * longer be applied.
 */
import type { TransferStatus, TransferView } from '@common/contracts/payments';
import type { Region } from '@common/regions';

export interface TransferRow {
  transfer_id: string;
  operation_id: string;
  to_customer_id: string;
  to_account_id: string;
  to_region: string;
  amount: number;
  currency: string;
  status: string;
  reason: string | null;
  attempts: number;
  next_attempt_at: number;
  deadline_at: number;
  history: string;
  correlation_id: string;
  traceparent: string;
  created_at: number;
  updated_at: number;
  [key: string]: SqlStorageValue;
}

export interface NewTransfer {
  transferId: string;
  operationId: string;
  to: { customerId: string; accountId: string; region: Region };
  amount: number;
  currency: string;
  correlationId: string;
  traceparent: string;
}

export interface TransferTiming {
  /** Retry backoff base and cap for a credit that did not answer. */
  retry_ms: number;
  retry_ms_max: number;
  /** After this long without an answer, the credit is cancelled and the debit reversed. */
  deadline_ms: number;
}

/** The credit's operation id at the recipient: stable, so retries apply once. */
export const creditOperationId = (transferId: string) => `${transferId}:credit`;

export function viewOfTransfer(row: TransferRow, fromCustomerId: string): TransferView {
  const status = row.status as TransferStatus;
  const money = (amount: number) => ({ amount, currency: row.currency });
  const history = JSON.parse(row.history) as { status: TransferStatus; at: number }[];
  return {
    transferId: row.transfer_id,
    status,
    fromCustomerId,
    toCustomerId: row.to_customer_id,
    amount: money(row.amount),
    inTransit: money(status === 'IN_FLIGHT' ? row.amount : 0),
    ...(row.reason ? { reason: row.reason } : {}),
    history: history.map((h) => ({ status: h.status, at: new Date(h.at).toISOString() })),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export class TransferBook {
  readonly #sql: SqlStorage;
  readonly #timing: TransferTiming;

  constructor(sql: SqlStorage, timing: TransferTiming) {
    this.#sql = sql;
    this.#timing = timing;
  }

  get(transferId: string): TransferRow | null {
    return (
      this.#sql
        .exec<TransferRow>('SELECT * FROM transfers WHERE transfer_id = ?', transferId)
        .toArray()[0] ?? null
    );
  }

  /** Records a transfer in flight; call in the transaction of its debit. */
  insert(t: NewTransfer, now: number): TransferRow {
    this.#sql.exec(
      `INSERT INTO transfers (transfer_id, operation_id, to_customer_id, to_account_id, to_region,
         amount, currency, status, attempts, next_attempt_at, deadline_at, history,
         correlation_id, traceparent, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'IN_FLIGHT', 0, ?, ?, ?, ?, ?, ?, ?)`,
      t.transferId,
      t.operationId,
      t.to.customerId,
      t.to.accountId,
      t.to.region,
      t.amount,
      t.currency,
      now,
      now + this.#timing.deadline_ms,
      JSON.stringify([{ status: 'IN_FLIGHT', at: now }]),
      t.correlationId,
      t.traceparent,
      now,
      now,
    );
    return this.#mustGet(t.transferId);
  }

  /** IN_FLIGHT transfers whose next attempt is due, oldest first. */
  due(now: number, limit: number): TransferRow[] {
    return this.#sql
      .exec<TransferRow>(
        `SELECT * FROM transfers WHERE status = 'IN_FLIGHT' AND next_attempt_at <= ?
         ORDER BY next_attempt_at LIMIT ?`,
        now,
        limit,
      )
      .toArray();
  }

  /** Ends a transfer (call in the transaction of its settle/reverse event). */
  finish(transferId: string, status: 'COMPLETED' | 'REVERSED', reason: string | null, now: number) {
    const row = this.#mustGet(transferId);
    const history = [...(JSON.parse(row.history) as unknown[]), { status, at: now }];
    this.#sql.exec(
      `UPDATE transfers SET status = ?, reason = ?, history = ?, updated_at = ?
       WHERE transfer_id = ?`,
      status,
      reason,
      JSON.stringify(history),
      now,
      transferId,
    );
  }

  /** Schedules another credit attempt with capped exponential backoff and full jitter. */
  retryLater(row: TransferRow, now: number): void {
    const attempts = row.attempts + 1;
    const ceiling = Math.min(
      this.#timing.retry_ms_max,
      this.#timing.retry_ms * 2 ** Math.min(attempts, 20),
    );
    const delay = Math.max(this.#timing.retry_ms, Math.floor(Math.random() * ceiling));
    this.#sql.exec(
      'UPDATE transfers SET attempts = ?, next_attempt_at = ?, updated_at = ? WHERE transfer_id = ?',
      attempts,
      now + delay,
      now,
      row.transfer_id,
    );
  }

  nextDueAt(): number | null {
    return this.#sql
      .exec<{ t: number | null }>(
        `SELECT MIN(next_attempt_at) AS t FROM transfers WHERE status = 'IN_FLIGHT'`,
      )
      .one().t;
  }

  /** Sum in flight, for audits: must equal the ledger's `inTransit`. */
  inFlightTotal(): number {
    return (
      this.#sql
        .exec<{ n: number | null }>(
          `SELECT SUM(amount) AS n FROM transfers WHERE status = 'IN_FLIGHT'`,
        )
        .one().n ?? 0
    );
  }

  paused(): boolean {
    return (
      this.#sql
        .exec<{ value: string }>(`SELECT value FROM settings WHERE key = 'transfers_paused'`)
        .toArray()[0]?.value === 'true'
    );
  }

  setPaused(paused: boolean): void {
    this.#sql.exec(
      `INSERT INTO settings (key, value) VALUES ('transfers_paused', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      String(paused),
    );
  }

  #mustGet(transferId: string): TransferRow {
    const row = this.get(transferId);
    if (!row) throw new Error(`transfer ${transferId} vanished inside its transaction`);
    return row;
  }
}
