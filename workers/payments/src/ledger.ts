/**
 * AccountLedger: one Durable Object per customer account, in the customer's
 * home region, and the only writer of that account. Its source of truth is
 * the append-only event log; the balance is the fold of it (cached in memory,
 * snapshotted every N events). Each command is one synchronous transaction:
 * the operation record, the events, the side tables and the outbox rows
 * commit together, so a command is applied at most once and its events are
 * published if and only if it was. The caller is answered once that commit
 * is durable; the events are relayed after, in the background, and by the
 * alarm until delivered.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import type {
  AccountEventsPage,
  AccountView,
  CreditsPage,
  LedgerReceipt,
  TransactionItem,
  TransferView,
} from '@common/contracts/payments';
import {
  LEDGER_EVENT,
  LEDGER_EVENTS,
  TRANSFER_EVENT,
  TRANSFER_EVENTS,
} from '@common/contracts/payments';
import { migrateSqlite } from '@common/do-schema';
import { makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { createLogger, type Logger } from '@common/log';
import { Outbox, type OutboxSender } from '@common/outbox';
import { fail, ok, type Result } from '@common/problem';
import { queueSender } from '@common/queues';
import type { CallMeta } from '@common/rpc';
import { auditLedger, type LedgerAudit } from './audit';
import { Captures } from './captures';
import { decide, type LedgerState, receiptOf, referenceOf } from './fold';
import { Journal } from './journal';
import { LEDGER_SCHEMA } from './ledger-schema';
import {
  type AccountInit,
  type Cause,
  causeOf,
  type ExecuteInput,
  type StartTransferInput,
} from './ledger-types';
import { CANCELLED, fingerprintOf, Operations } from './operations';
import { TransferDriver } from './transfer-driver';
import { TransferBook, viewOfTransfer } from './transfers';
import {
  accountViewOf,
  creditOf,
  eventViewOf,
  messageOf,
  transactionOf,
  transferEventOf,
} from './views';

export type { AccountInit, ExecuteInput, LedgerCommand, StartTransferInput } from './ledger-types';

export type CancelOutcome =
  | { status: 'cancelled' }
  | { status: 'applied'; outcome: Result<LedgerReceipt> };

export class AccountLedger extends DurableObject<PaymentsEnv> {
  readonly outbox: Outbox;
  readonly #journal: Journal;
  readonly #ops: Operations;
  readonly #captures: Captures;
  readonly #transfers: TransferBook;
  readonly #driver: TransferDriver;
  /** Who caused the transaction in progress; set synchronously before each one. */
  #cause: Cause = { correlationId: 'unknown', causationId: 'unknown', traceparent: '' };
  /** Replaced in tests to simulate a queue outage; production uses the binding. */
  send: OutboxSender;

  constructor(ctx: DurableObjectState, env: PaymentsEnv) {
    super(ctx, env);
    migrateSqlite(ctx.storage, LEDGER_SCHEMA);
    const sql = ctx.storage.sql;
    this.outbox = new Outbox(ctx.storage, { retry_ms: Number(env.OUTBOX_RETRY_MS) || 2000 });
    this.#ops = new Operations(sql);
    this.#captures = new Captures(sql);
    this.#transfers = new TransferBook(sql, {
      retry_ms: Number(env.TRANSFER_RETRY_MS) || 1000,
      retry_ms_max: 60_000,
      deadline_ms: Number(env.TRANSFER_CREDIT_DEADLINE_MS) || 3_600_000,
    });
    this.#journal = new Journal(ctx.storage, {
      snapshot_every: Math.max(1, Number(env.LEDGER_SNAPSHOT_EVERY) || 100),
      onAppend: (event, state) => {
        const region = state.region ?? 'us';
        const payload = messageOf(event, state);
        this.outbox.add(
          LEDGER_EVENTS,
          makeEnvelope({ type: LEDGER_EVENT, payload, region, ...this.#cause }),
        );
        const transfer = transferEventOf(event, state);
        if (transfer) {
          const envelope = makeEnvelope({
            type: TRANSFER_EVENT,
            payload: transfer,
            region,
            ...this.#cause,
          });
          this.outbox.add(TRANSFER_EVENTS, envelope);
        }
      },
    });
    this.#driver = new TransferDriver({
      env,
      journal: this.#journal,
      transfers: this.#transfers,
      run: (cause, work) => this.#run(cause, work),
      self: () => this.#journal.state,
    });
    // LEDGER_EVENTS_<REGION>, TRANSFER_EVENTS_<REGION>__*: the account's events stay on
    // its home region's queues.
    this.send = queueSender(env);
  }

  get #currency(): string {
    return this.#journal.state.currency ?? (this.env.LEDGER_CURRENCY || 'USD');
  }

  account(): AccountView | null {
    return accountViewOf(this.#journal.state);
  }

  /** Opens the account once (AccountOpened); later calls change nothing. */
  async open(
    account: AccountInit,
    meta: CallMeta,
  ): Promise<{ view: AccountView; opened: boolean }> {
    const opened = this.#run(causeOf(meta), () => this.#ensureOpen(account, Date.now()));
    await this.#afterWrite(meta);
    const view = this.account();
    if (!view) throw new Error(`account ${account.accountId} did not open`);
    return { view, opened };
  }

  /** Deposit, capture, refund or incoming transfer credit; at most once per operation id. */
  async execute(input: ExecuteInput, meta: CallMeta): Promise<Result<LedgerReceipt>> {
    const { operationId, command } = input;
    const reference = referenceOf(command);
    const fingerprint = fingerprintOf(command, reference);
    const outcome = this.#run(causeOf(meta, input.correlationId), (): Result<LedgerReceipt> => {
      const recall = this.#ops.recall<LedgerReceipt>(operationId, fingerprint);
      if (recall.seen) return replayed(recall.outcome);
      const now = Date.now();
      this.#ensureOpen(input.account, now);
      const refundable = reference ? this.#captures.refundable(reference) : 0;
      const decided = decide(this.#journal.state, command, operationId, { refundable });
      if (decided.ok) {
        this.#journal.append([decided.value], now);
        if (reference && command.kind === 'capture')
          this.#captures.add(reference, 'captured', command.amount);
        if (reference && command.kind === 'refund')
          this.#captures.add(reference, 'refunded', command.amount);
      }
      const result = decided.ok ? ok(receiptOf(this.#journal.state)) : decided;
      this.#ops.record(operationId, fingerprint, result, now);
      return result;
    });
    await this.#afterWrite(meta);
    return outcome;
  }

  /**
   * Makes sure `operationId` will never apply from now on: answers its outcome
   * if it was applied, otherwise records it as cancelled. A transfer saga
   * calls this before it reverses a credit whose answer it never got.
   */
  async cancelOperation(operationId: string, meta: CallMeta): Promise<CancelOutcome> {
    const outcome = this.#run(causeOf(meta), (): CancelOutcome => {
      const prior = this.#ops.outcomeOf<LedgerReceipt>(operationId);
      if (prior) return { status: 'applied', outcome: prior };
      const cancelled = fail(409, 'operation_cancelled', `operation ${operationId} was cancelled`);
      this.#ops.record(operationId, CANCELLED, cancelled, Date.now());
      return { status: 'cancelled' };
    });
    await this.#afterWrite(meta);
    return outcome;
  }

  /** Debits the amount into transit and starts the transfer saga, in one transaction. */
  async startTransfer(input: StartTransferInput, meta: CallMeta): Promise<Result<TransferView>> {
    const { operationId, to, amount, currency } = input;
    const fingerprint = JSON.stringify(['transfer', to.accountId, amount, currency]);
    const cause = causeOf(meta, input.correlationId);
    const outcome = this.#run(cause, (): Result<TransferView> => {
      const recall = this.#ops.recall<TransferView>(operationId, fingerprint);
      if (recall.seen)
        return recall.outcome.ok ? this.#currentTransfer(recall.outcome.value) : recall.outcome;
      const now = Date.now();
      this.#ensureOpen(input.account, now);
      const transferId = newId('trf', now);
      const debit = {
        kind: 'transfer_debit',
        amount,
        currency,
        reference: transferId,
        to: to.accountId,
        toCustomerId: to.customerId,
      } as const;
      const decided = decide(this.#journal.state, debit, operationId);
      if (!decided.ok) {
        this.#ops.record(operationId, fingerprint, decided, now);
        return decided;
      }
      this.#journal.append([decided.value], now);
      const row = this.#transfers.insert(
        { transferId, operationId, to, amount, currency, ...cause },
        now,
      );
      const result = ok(viewOfTransfer(row, input.account.customerId));
      this.#ops.record(operationId, fingerprint, result, now);
      return result;
    });
    await this.#afterWrite(meta);
    return outcome;
  }

  getTransfer(transferId: string): TransferView | null {
    const row = this.#transfers.get(transferId);
    return row ? viewOfTransfer(row, this.#journal.state.customerId ?? '') : null;
  }

  /** Balance and events as of `until` (epoch ms, inclusive), from the nearest snapshot. */
  eventsAsOf(until: number, after: number, limit: number): AccountEventsPage {
    const state = this.#journal.stateAsOf(until);
    const currency = this.#currency;
    const page = this.#journal.eventsAsOf(until, after, limit + 1);
    const events = page.slice(0, limit);
    return {
      events: events.map((e) => eventViewOf(e, currency)),
      balanceAt: { amount: state.balance, currency },
      inTransitAt: { amount: state.inTransit, currency },
      versionAt: state.version,
      until: new Date(until).toISOString(),
      nextCursor: page.length > limit ? (events.at(-1)?.seq ?? null) : null,
    };
  }

  /** Money movements newest first, read at the leader (read-your-writes). */
  history(before: number, limit: number): { items: TransactionItem[]; nextCursor: number | null } {
    const currency = this.#currency;
    const page = this.#journal.history(before, limit + 1);
    const items = page.slice(0, limit).map((e) => transactionOf(e, currency));
    return { items, nextCursor: page.length > limit ? (items.at(-1)?.seq ?? null) : null };
  }

  /** The money that entered this ledger, newest first: the operators' audit of credits. */
  credits(before: number, limit: number): CreditsPage {
    const currency = this.#currency;
    const page = this.#journal.credits(before, limit + 1);
    const items = page.slice(0, limit).map((e) => creditOf(e, currency));
    return { items, nextCursor: page.length > limit ? (items.at(-1)?.seq ?? null) : null };
  }

  /** Operators (and tests) hold outgoing transfers in flight, or let them go again. */
  async pauseTransfers(paused: boolean): Promise<void> {
    this.ctx.storage.transactionSync(() => this.#transfers.setPaused(paused));
    if (!paused) await this.#afterWrite();
  }

  /** Advances the transfers that are due now; what the alarm does. Returns how many moved. */
  async driveTransfers(): Promise<number> {
    if (this.#transfers.paused()) return 0;
    const moved = await this.#driver.driveDue(Date.now());
    await this.#afterWrite();
    return moved;
  }

  override async alarm(): Promise<void> {
    await this.driveTransfers();
    await this.flushOutbox();
  }

  /** Full replay against the cached state, the snapshots and the side tables. */
  audit(): LedgerAudit {
    return auditLedger(this.#journal, this.#captures, this.#transfers);
  }

  /** Relays every undelivered event now (the alarm; operators and tests). */
  async flushOutbox(meta?: CallMeta): Promise<void> {
    await this.outbox.relay(this.send, this.#log(meta));
  }

  #log(meta?: CallMeta): Logger {
    return createLogger({ service: 'payments', ...meta });
  }

  outboxPending(): number {
    return this.outbox.pendingCount();
  }

  #ensureOpen(account: AccountInit, now: number): boolean {
    const state: LedgerState = this.#journal.state;
    if (state.version > 0) {
      if (state.accountId !== account.accountId)
        throw new Error(`ledger of ${state.accountId} addressed as ${account.accountId}`);
      return false;
    }
    const { accountId, customerId, region, currency } = account;
    this.#journal.append(
      [
        {
          type: 'AccountOpened',
          amount: 0,
          reference: null,
          operationId: null,
          data: { accountId, customerId, region, currency },
        },
      ],
      now,
    );
    return true;
  }

  #currentTransfer(stored: TransferView): Result<TransferView> {
    const current = this.getTransfer(stored.transferId);
    return ok(current ?? stored);
  }

  /** One synchronous transaction whose events carry `cause`. */
  #run<T>(cause: Cause, work: () => T): T {
    this.#cause = cause;
    return this.#journal.transaction(work);
  }

  /** After a committed write: alarms armed, then the caller is answered while the relay runs. */
  async #afterWrite(meta?: CallMeta): Promise<void> {
    const due = this.#transfers.nextDueAt();
    if (due !== null && !this.#transfers.paused()) await scheduleAlarmBy(this.ctx.storage, due);
    await this.outbox.relayAfterCommit(this.ctx, this.send, this.#log(meta));
  }
}

function replayed(outcome: Result<LedgerReceipt>): Result<LedgerReceipt> {
  return outcome.ok ? ok({ ...outcome.value, replayed: true }) : outcome;
}
