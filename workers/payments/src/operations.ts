/**
 * At-most-once commands: each operation id is recorded with a fingerprint of
 * its command and the outcome it produced, in the transaction of its effect.
 * A repeat with the same command answers the stored outcome with no second
 * effect; the same id with another command is refused.
 */
import { fail, type Result } from '@common/problem';
import type { LedgerCommand } from './ledger-types';

interface OperationRow {
  fingerprint: string;
  outcome: string;
  [key: string]: SqlStorageValue;
}

/**
 * What makes a repeat of an operation the same command. A credit's funding
 * counts (the same key for another reason is another credit); a sandbox
 * deposit's fingerprint is what it always was.
 */
export function fingerprintOf(command: LedgerCommand, reference: string | null): string {
  const parts: unknown[] = [command.kind, command.amount, command.currency, reference];
  if (command.kind === 'deposit' && command.funding && command.funding.source !== 'sandbox')
    parts.push(command.funding);
  return JSON.stringify(parts);
}

/** Fingerprint of an operation cancelled before it was applied (see AccountLedger.cancelOperation). */
export const CANCELLED = 'cancelled';

export type Recall<T> = { seen: false } | { seen: true; outcome: Result<T> };

export class Operations {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The stored outcome of `operationId`, or a conflict when it was used for another command. */
  recall<T>(operationId: string, fingerprint: string): Recall<T> {
    const row = this.#sql
      .exec<OperationRow>(
        'SELECT fingerprint, outcome FROM operations WHERE operation_id = ?',
        operationId,
      )
      .toArray()[0];
    if (!row) return { seen: false };
    if (row.fingerprint !== fingerprint && row.fingerprint !== CANCELLED)
      return {
        seen: true,
        outcome: fail(
          409,
          'operation_id_reused',
          `operation ${operationId} was used for another command`,
        ),
      };
    return { seen: true, outcome: JSON.parse(row.outcome) as Result<T> };
  }

  /** The stored outcome regardless of the command (for cancellation checks). */
  outcomeOf<T>(operationId: string): Result<T> | null {
    const row = this.#sql
      .exec<OperationRow>(
        'SELECT fingerprint, outcome FROM operations WHERE operation_id = ?',
        operationId,
      )
      .toArray()[0];
    return row ? (JSON.parse(row.outcome) as Result<T>) : null;
  }

  /** Records the outcome; call inside the transaction of the effect. */
  record<T>(operationId: string, fingerprint: string, outcome: Result<T>, now: number): void {
    this.#sql.exec(
      'INSERT INTO operations (operation_id, fingerprint, outcome, at) VALUES (?, ?, ?, ?)',
      operationId,
      fingerprint,
      JSON.stringify(outcome),
      now,
    );
  }
}
