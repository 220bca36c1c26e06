/**
 * Payments service: typed RPC for the gateway and the order saga over
 * per-account ledgers (linearizable, in the customer's home region), the
 * transactions read model (eventual, read-your-writes on request), and the
 * consumer that projects ledger events into it.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { answerDirectly, type CommandResult, SAGA_REPLIES } from '@common/commands';
import { consumeBatch, consumerOptions } from '@common/consumer';
import {
  type AccountEventsPage,
  type AccountRef,
  AccountRefSchema,
  type AccountView,
  type AdminCreditInput,
  AdminCreditInputSchema,
  accountIdOf,
  type CaptureInput,
  CaptureInputSchema,
  type CompensateCaptureInput,
  CompensateCaptureInputSchema,
  type CreditsPage,
  type CreditsQuery,
  CreditsQuerySchema,
  type DepositInput,
  DepositInputSchema,
  type EventsQuery,
  EventsQuerySchema,
  type LedgerReceipt,
  PAYMENT_COMMANDS_QUEUE,
  type RefundInput,
  RefundInputSchema,
  type TopUpInput,
  TopUpInputSchema,
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
import type { Envelope } from '@common/envelope';
import { createLogger } from '@common/log';
import { isolateSamples } from '@common/metrics/isolate';
import { fail, ok, type Result } from '@common/problem';
import { queueSender } from '@common/queues';
import { queueRegion, REGIONS, type Region, regionalStub } from '@common/regions';
import { type CallMeta, type HealthReport, healthReport, type MetricSample } from '@common/rpc';
import type { z } from 'zod';
import { handlePaymentCommand } from './commands';
import type { AccountInit, AccountLedger, LedgerCommand } from './ledger';
import {
  applyLedgerEvent,
  paymentsDb,
  projectedPage,
  projectedThrough,
  registerAccount,
} from './projection';
import { findRecipient } from './recipients';

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

  /**
   * The currencies a ledger can charge: every account is opened in
   * LEDGER_CURRENCY and refuses a charge in any other (`currency_mismatch`).
   * The gateway refuses a product priced in another currency with it.
   */
  chargeableCurrencies(): string[] {
    return [this.#currency];
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
    if (opened) await registerAccount(this.env, view, meta);
    return ok(view);
  }

  async getAccount(ref: AccountRef, meta: CallMeta): Promise<Result<AccountView>> {
    return this.openAccount(ref, meta);
  }

  /**
   * A sandbox deposit: money from nowhere, for development and tests. Only
   * the gateway calls it, and only where its config allows sandbox deposits.
   */
  async deposit(input: DepositInput, meta: CallMeta): Promise<Result<LedgerReceipt>> {
    const parsed = DepositInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { amount, currency = this.#currency } = parsed.data;
    const funding = { source: 'sandbox' } as const;
    return this.#execute(parsed.data, { kind: 'deposit', amount, currency, funding }, meta);
  }

  /**
   * A top-up the payment provider confirmed (its signature checked by the
   * gateway): credited at most once per provider event id, so a redelivered
   * or retried event credits nothing more.
   */
  async creditTopUp(input: TopUpInput, meta: CallMeta): Promise<Result<LedgerReceipt>> {
    const parsed = TopUpInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { eventId, amount, currency } = parsed.data;
    const operationId = `topup:${eventId}`;
    const funding = { source: 'provider', eventId } as const;
    const command = { kind: 'deposit', amount, currency, funding } as const;
    return this.#execute({ ...parsed.data, operationId }, command, meta);
  }

  /** An admin's credit; the ledger event records who credited and why. */
  async adminCredit(input: AdminCreditInput, meta: CallMeta): Promise<Result<LedgerReceipt>> {
    const parsed = AdminCreditInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { amount, currency = this.#currency, by, reason } = parsed.data;
    const funding = { source: 'admin', by, reason } as const;
    return this.#execute(parsed.data, { kind: 'deposit', amount, currency, funding }, meta);
  }

  /** Every entry of money into the account, newest first, read at the ledger (operators' audit). */
  async credits(query: CreditsQuery): Promise<Result<CreditsPage>> {
    const parsed = CreditsQuerySchema.safeParse(query);
    if (!parsed.success) return invalid(parsed.error);
    const { region, customerId, before = Number.MAX_SAFE_INTEGER, limit } = parsed.data;
    return ok(await this.#ledger(region, customerId).credits(before, limit));
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
   * Any registered customer can receive at once (recipients.ts).
   * Idempotent by `operationId`.
   */
  async startTransfer(input: TransferInput, meta: CallMeta): Promise<Result<TransferView>> {
    const parsed = TransferInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { customerId, region, toCustomerId, amount, operationId } = parsed.data;
    if (toCustomerId === customerId)
      return fail(400, 'transfer_to_self', 'a transfer needs another customer as recipient');
    const log = createLogger({ service: 'payments', ...meta });
    const recipient = await findRecipient(this.env, toCustomerId, log);
    if (!recipient.ok) return recipient;
    return this.#ledger(region, customerId).startTransfer(
      {
        operationId,
        account: this.#init({ customerId, region }),
        to: recipient.value,
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

  /** For the gateway's /metrics: this isolate's counters (its consumers' outcomes). */
  async metrics(): Promise<MetricSample[]> {
    return isolateSamples();
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

  /**
   * A saga command called directly (the saga's fast path): the same
   * at-most-once handling as from the queue, answered with the reply it
   * would have sent there. Throws when the command is not done yet (the saga
   * then sends it over the queue, which retries it).
   */
  async runCommand(command: Envelope): Promise<Envelope<CommandResult>> {
    return answerDirectly(command, (envelope, reply) =>
      handlePaymentCommand(this, envelope, reply),
    );
  }

  /**
   * Ledger events into the projection; the saga's commands, each answered on
   * the replies queue of its region (queues are per region: `…-<region>`).
   */
  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    if (queueRegion(batch.queue).topic === PAYMENT_COMMANDS_QUEUE) {
      const send = queueSender(this.env);
      await consumeBatch(
        batch,
        (envelope) => handlePaymentCommand(this, envelope, (reply) => send(SAGA_REPLIES, [reply])),
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
}
