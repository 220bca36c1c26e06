/**
 * Payments service: typed RPC for the gateway and the order saga over
 * per-account ledgers (linearizable, in the customer's home region), the
 * transactions read model (eventual, read-your-writes on request), and the
 * consumer that projects ledger events into it.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { consumeBatch, consumerOptions } from '@common/consumer';
import {
  type AccountEventsPage,
  type AccountRef,
  AccountRefSchema,
  type AccountView,
  accountIdOf,
  type CaptureInput,
  CaptureInputSchema,
  type CompensateCaptureInput,
  CompensateCaptureInputSchema,
  type DepositInput,
  DepositInputSchema,
  type EventsQuery,
  EventsQuerySchema,
  type LedgerReceipt,
  PAYMENT_COMMANDS_QUEUE,
  type RefundInput,
  RefundInputSchema,
  type TransactionsPage,
  type TransactionsQuery,
  TransactionsQuerySchema,
  type TransferInput,
  TransferInputSchema,
  type TransferRef,
  TransferRefSchema,
  type TransferView,
} from '@common/contracts/payments';
import { primarySession, readSession } from '@common/d1-session';
import { createLogger, errorMessage } from '@common/log';
import { fail, ok, type Result } from '@common/problem';
import { REGIONS, type Region, regionalStub } from '@common/regions';
import { type CallMeta, type HealthReport, healthReport } from '@common/rpc';
import type { z } from 'zod';
import { handlePaymentCommand } from './commands';
import type { AccountInit, AccountLedger, LedgerCommand } from './ledger';
import {
  applyLedgerEvent,
  directoryInsert,
  findAccount,
  paymentsDb,
  projectedPage,
  projectedThrough,
} from './projection';

export { AccountLedger } from './ledger';

function invalid<T>(error: z.ZodError): Result<T> {
  const errors = error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  return fail(400, 'payments_invalid', `${errors[0]?.path}: ${errors[0]?.message}`, { errors });
}

export default class PaymentsService extends WorkerEntrypoint<PaymentsEnv> {
  get #currency(): string {
    return this.env.LEDGER_CURRENCY || 'USD';
  }

  #ledger(region: Region, customerId: string): DurableObjectStub<AccountLedger> {
    return regionalStub(this.env.ACCOUNT_LEDGER, region, accountIdOf(customerId));
  }

  #init({ customerId, region }: AccountRef): AccountInit {
    return { accountId: accountIdOf(customerId), customerId, region, currency: this.#currency };
  }

  /**
   * The customer's account, opened on first use (idempotent). Linearizable:
   * read at the ledger. Identity may call it at registration so the customer
   * can receive transfers at once.
   */
  async openAccount(ref: AccountRef, meta: CallMeta): Promise<Result<AccountView>> {
    const parsed = AccountRefSchema.safeParse(ref);
    if (!parsed.success) return invalid(parsed.error);
    const init = this.#init(parsed.data);
    const { view, opened } = await this.#ledger(init.region, init.customerId).open(init, meta);
    if (opened) await this.#register(view, meta);
    return ok(view);
  }

  async getAccount(ref: AccountRef, meta: CallMeta): Promise<Result<AccountView>> {
    return this.openAccount(ref, meta);
  }

  async deposit(input: DepositInput, meta: CallMeta): Promise<Result<LedgerReceipt>> {
    const parsed = DepositInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { amount, currency = this.#currency } = parsed.data;
    return this.#execute(parsed.data, { kind: 'deposit', amount, currency }, meta);
  }

  /** Charges an order; `insufficient_funds` (409) when the balance is short. */
  async capturePayment(input: CaptureInput, meta: CallMeta): Promise<Result<LedgerReceipt>> {
    const parsed = CaptureInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { amount, currency = this.#currency, orderId } = parsed.data;
    return this.#execute(
      parsed.data,
      { kind: 'capture', amount, currency, reference: orderId },
      meta,
      orderId,
    );
  }

  /** Refunds (part of) an order's captures; never more than was captured for it. */
  async refundPayment(input: RefundInput, meta: CallMeta): Promise<Result<LedgerReceipt>> {
    const parsed = RefundInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { amount, currency = this.#currency, orderId } = parsed.data;
    return this.#execute(
      parsed.data,
      { kind: 'refund', amount, currency, reference: orderId },
      meta,
      orderId,
    );
  }

  /**
   * The order saga's compensation of a capture, idempotent: a capture that
   * never happened is cancelled at the ledger (so one arriving late is
   * refused) and nothing is refunded; one that happened is refunded once.
   */
  async compensateCapture(
    input: CompensateCaptureInput,
    meta: CallMeta,
  ): Promise<Result<{ refunded: number }>> {
    const parsed = CompensateCaptureInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { captureOperationId, ...refund } = parsed.data;
    const ledger = this.#ledger(refund.region, refund.customerId);
    const capture = await ledger.cancelOperation(captureOperationId, meta);
    if (capture.status === 'cancelled' || !capture.outcome.ok) return ok({ refunded: 0 });
    const refunded = await this.refundPayment(refund, meta);
    return refunded.ok ? ok({ refunded: refund.amount }) : refunded;
  }

  /** Balance and events as of any past instant (temporal query at the ledger). */
  async accountEvents(query: EventsQuery): Promise<Result<AccountEventsPage>> {
    const parsed = EventsQuerySchema.safeParse(query);
    if (!parsed.success) return invalid(parsed.error);
    const { until = Date.now(), after = 0, limit } = parsed.data;
    return ok(
      await this.#ledger(parsed.data.region, parsed.data.customerId).eventsAsOf(
        until,
        after,
        limit,
      ),
    );
  }

  /**
   * The transactions read model (eventual). With `minVersion` (the version a
   * write returned) the answer comes from the ledger while the projection
   * does not yet hold every event up to it: read-your-writes.
   */
  async listTransactions(query: TransactionsQuery): Promise<Result<TransactionsPage>> {
    const parsed = TransactionsQuerySchema.safeParse(query);
    if (!parsed.success) return invalid(parsed.error);
    const { customerId, region, minVersion, limit, bookmark } = parsed.data;
    const before = parsed.data.before ?? Number.MAX_SAFE_INTEGER;
    const accountId = accountIdOf(customerId);
    // The customer's own region's read model: nothing of theirs is elsewhere.
    // Read from the nearest replica (at least as fresh as `bookmark`); when it
    // lags the token, from the primary; when that lags too, from the ledger.
    let session = readSession(paymentsDb(this.env, region), bookmark);
    if (minVersion && (await projectedThrough(session, accountId, minVersion)) < minVersion) {
      session = primarySession(paymentsDb(this.env, region));
      if ((await projectedThrough(session, accountId, minVersion)) < minVersion) {
        const page = await this.#ledger(region, customerId).history(before, limit);
        return ok({ ...page, source: 'ledger', bookmark: session.getBookmark() });
      }
    }
    const page = await projectedPage(session, accountId, before, limit);
    return ok({ ...page, source: 'projection', bookmark: session.getBookmark() });
  }

  /**
   * Starts a transfer: the debit (into transit) happens now, in the debtor's
   * ledger; the credit follows asynchronously, possibly in another region.
   * Idempotent by `operationId`.
   */
  async startTransfer(input: TransferInput, meta: CallMeta): Promise<Result<TransferView>> {
    const parsed = TransferInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { customerId, region, toCustomerId, amount, operationId } = parsed.data;
    if (toCustomerId === customerId)
      return fail(400, 'transfer_to_self', 'a transfer needs another customer as recipient');
    const lookup = await findAccount(this.env, toCustomerId);
    if (lookup.region === null) {
      if (lookup.unreachable.length === 0)
        return fail(404, 'recipient_not_found', `customer ${toCustomerId} has no account`);
      return fail(
        503,
        'recipient_lookup_unavailable',
        `the account directory of ${lookup.unreachable.join(', ')} did not answer; try again`,
      );
    }
    const recipient = lookup.value;
    return this.#ledger(region, customerId).startTransfer(
      {
        operationId,
        account: this.#init({ customerId, region }),
        to: { customerId: toCustomerId, accountId: recipient.accountId, region: recipient.region },
        amount,
        currency: parsed.data.currency ?? this.#currency,
      },
      meta,
    );
  }

  /** A transfer of the customer's (linearizable: read at their ledger); 404 for anyone else's. */
  async getTransfer(ref: TransferRef): Promise<Result<TransferView>> {
    const parsed = TransferRefSchema.safeParse(ref);
    if (!parsed.success) return invalid(parsed.error);
    const { region, customerId, transferId } = parsed.data;
    const found = await this.#ledger(region, customerId).getTransfer(transferId);
    return found ? ok(found) : fail(404, 'transfer_not_found', `no transfer ${transferId}`);
  }

  async health(): Promise<HealthReport> {
    const probes = Object.fromEntries(
      REGIONS.map((region) => [
        `d1:${region}`,
        () => paymentsDb(this.env, region).prepare('SELECT 1').first(),
      ]),
    );
    return healthReport('payments', probes);
  }

  /** Ledger events into the projection; the saga's commands (answered on the replies queue). */
  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    if (batch.queue === PAYMENT_COMMANDS_QUEUE) {
      const reply = async (envelope: unknown) => {
        await this.env.SAGA_REPLIES.send(envelope, { contentType: 'json' });
      };
      await consumeBatch(
        batch,
        (envelope) => handlePaymentCommand(this, envelope, reply),
        consumerOptions('payments', this.env),
      );
      return;
    }
    await consumeBatch(
      batch,
      (envelope) => applyLedgerEvent(this.env, envelope),
      consumerOptions('payments', this.env),
    );
  }

  #execute(
    ref: AccountRef & { operationId: string },
    command: LedgerCommand,
    meta: CallMeta,
    correlationId?: string,
  ): Promise<Result<LedgerReceipt>> {
    return this.#ledger(ref.region, ref.customerId).execute(
      {
        operationId: ref.operationId,
        account: this.#init(ref),
        command,
        ...(correlationId ? { correlationId } : {}),
      },
      meta,
    );
  }

  /**
   * Directory entry right away, in the account's own region's database; the
   * projection consumer also writes it from AccountOpened.
   */
  async #register(view: AccountView, meta: CallMeta): Promise<void> {
    try {
      await directoryInsert(paymentsDb(this.env, view.region), {
        ...view,
        currency: view.balance.currency,
        at: Date.parse(view.openedAt),
      }).run();
    } catch (error) {
      createLogger({ service: 'payments', ...meta }).warn('accounts.directory_deferred', {
        accountId: view.accountId,
        error: errorMessage(error),
      });
    }
  }
}
