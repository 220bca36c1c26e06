/**
 * Drives the transfers of one debtor ledger to an end. Each step asks the
 * recipient's ledger (possibly in another region) and then records the answer
 * in the debtor's ledger in one transaction:
 *
 *   credit applied            → TransferSettled,  COMPLETED
 *   credit refused            → TransferReversed, REVERSED (the debtor gets it back)
 *   no answer, before deadline → retry later (backoff)
 *   no answer, after deadline  → cancel the credit at the recipient; once it is
 *                                certain it will never apply, reverse
 *
 * Money is conserved at every recorded step: in flight it is the debtor's
 * `inTransit`; the credit and the settlement are each idempotent.
 */
import type { LedgerReceipt } from '@common/contracts/payments';
import { createLogger, errorMessage } from '@common/log';
import { fail, type Result } from '@common/problem';
import { type Region, regionalStub } from '@common/regions';
import type { LedgerState } from './fold';
import type { Journal } from './journal';
import type { Cause } from './ledger-types';
import { creditOperationId, type TransferBook, type TransferRow } from './transfers';

/** Transfers advanced per alarm run. */
const DRIVE_BATCH = 25;

export interface DriverDeps {
  env: PaymentsEnv;
  journal: Journal;
  transfers: TransferBook;
  run: <T>(cause: Cause, work: () => T) => T;
  self: () => LedgerState;
}

export class TransferDriver {
  readonly #deps: DriverDeps;

  constructor(deps: DriverDeps) {
    this.#deps = deps;
  }

  async driveDue(now: number): Promise<number> {
    let moved = 0;
    for (const row of this.#deps.transfers.due(now, DRIVE_BATCH)) {
      if (await this.#advance(row)) moved++;
    }
    return moved;
  }

  /** One step of one transfer; true when it reached its end. */
  async #advance(row: TransferRow): Promise<boolean> {
    const answer = await this.#creditAnswer(row);
    const cause: Cause = {
      correlationId: row.correlation_id,
      causationId: `transfer:${row.transfer_id}`,
      traceparent: row.traceparent,
    };
    return this.#deps.run(cause, () => {
      const now = Date.now();
      const current = this.#deps.transfers.get(row.transfer_id);
      // Another run (alarm and an operator's drive) finished it meanwhile.
      if (current?.status !== 'IN_FLIGHT') return false;
      if (!answer) {
        this.#deps.transfers.retryLater(current, now);
        return false;
      }
      const type = answer.ok ? 'TransferSettled' : 'TransferReversed';
      this.#deps.journal.append(
        [
          {
            type,
            amount: current.amount,
            reference: current.transfer_id,
            operationId: null,
            data: { to: current.to_account_id, toCustomerId: current.to_customer_id },
          },
        ],
        now,
      );
      const reason = answer.ok ? null : answer.problem.code;
      this.#deps.transfers.finish(
        current.transfer_id,
        answer.ok ? 'COMPLETED' : 'REVERSED',
        reason,
        now,
      );
      return true;
    });
  }

  /** The recipient's definite answer, or undefined when there is none yet. */
  async #creditAnswer(row: TransferRow): Promise<Result<LedgerReceipt> | undefined> {
    const recipient = regionalStub(
      this.#deps.env.ACCOUNT_LEDGER,
      row.to_region as Region,
      row.to_account_id,
    );
    const operationId = creditOperationId(row.transfer_id);
    const meta = { requestId: `transfer:${row.transfer_id}`, traceparent: row.traceparent };
    const log = createLogger({ service: 'payments', ...meta, correlationId: row.correlation_id });
    const self = this.#deps.self();
    try {
      return await recipient.execute(
        {
          operationId,
          account: {
            accountId: row.to_account_id,
            customerId: row.to_customer_id,
            region: row.to_region as Region,
            currency: row.currency,
          },
          command: {
            kind: 'transfer_credit',
            amount: row.amount,
            currency: row.currency,
            reference: row.transfer_id,
            from: self.accountId ?? '',
            fromCustomerId: self.customerId ?? '',
          },
          correlationId: row.correlation_id,
        },
        meta,
      );
    } catch (error) {
      log.warn('transfer.credit_failed', {
        transferId: row.transfer_id,
        error: errorMessage(error),
      });
    }
    if (Date.now() < row.deadline_at) return undefined;
    try {
      const cancelled = await recipient.cancelOperation(operationId, meta);
      if (cancelled.status === 'applied') return cancelled.outcome;
      return fail(409, 'credit_timed_out', 'the recipient did not answer before the deadline');
    } catch (error) {
      log.error('transfer.cancel_failed', {
        transferId: row.transfer_id,
        error: errorMessage(error),
      });
      return undefined;
    }
  }
}
