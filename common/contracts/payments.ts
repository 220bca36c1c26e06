/**
 * Payments RPC and event contracts, shared by the payments worker, the
 * gateway and the order saga.
 *
 * Every account is an event-sourced ledger (one Durable Object per customer,
 * in the customer's home region). Every command carries an operation id and is
 * applied at most once: the same id answers with the same result.
 */
import { z } from 'zod';
// Installs the client-facing validation messages in every worker that loads a contract.
import './messages';
import { REGIONS } from '../regions';

/** Limits: one movement, and a balance, in minor units (well inside 2^53). */
export const AMOUNT_MAX = 10_000_000_000;
export const BALANCE_MAX = 100_000_000_000_000;
export const OPERATION_ID_MAX = 200;
export const PAGE_LIMIT_MAX = 100;

/** ISO 4217's code for "no currency": an account with no money movement yet. */
export const NO_CURRENCY = 'XXX';
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code');
export const AmountSchema = z.number().int().positive().max(AMOUNT_MAX);
export const OperationIdSchema = z
  .string()
  .min(1)
  .max(OPERATION_ID_MAX)
  .regex(/^[\x21-\x7e]+$/, 'operationId must be visible ASCII');
export const CustomerIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'customerId must be letters, digits, "_" or "-"');

export interface Money {
  amount: number;
  currency: string;
}

/** The account of a customer: its id is derived from theirs, its home is their region. */
export const AccountRefSchema = z.object({
  customerId: CustomerIdSchema,
  region: z.enum(REGIONS),
});
export type AccountRef = z.infer<typeof AccountRefSchema>;

export function accountIdOf(customerId: string): string {
  return customerId.startsWith('cus_') ? `acc_${customerId.slice(4)}` : `acc_${customerId}`;
}

const MovementSchema = AccountRefSchema.extend({
  operationId: OperationIdSchema,
  amount: AmountSchema,
  /** Defaults to the account's currency; another one is refused. */
  currency: CurrencySchema.optional(),
});

/** A sandbox deposit (development and tests only; the gateway refuses it elsewhere). */
export const DepositInputSchema = MovementSchema;
export type DepositInput = z.infer<typeof DepositInputSchema>;

// ── Funding: the ways money enters a ledger ────────────────────────────────

/**
 * Where the money of a FundsDeposited event came from: the payment
 * provider's signed webhook (`provider`), an admin credit with who and why
 * (`admin`), or a sandbox deposit (`sandbox`, development and tests).
 */
export const FUNDING_SOURCES = ['provider', 'admin', 'sandbox'] as const;
export type FundingSource = (typeof FUNDING_SOURCES)[number];
export type Funding =
  | { source: 'sandbox' }
  | { source: 'provider'; eventId: string }
  | { source: 'admin'; by: string; reason: string };

/** The provider's event id: it makes a top-up idempotent (one credit per id). */
export const ProviderEventIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\x21-\x7e]+$/, 'an event id must be visible ASCII');

/** A top-up the payment provider reported (`top_up.succeeded`), credited once per event id. */
export const TopUpInputSchema = AccountRefSchema.extend({
  eventId: ProviderEventIdSchema,
  amount: AmountSchema,
  currency: CurrencySchema,
});
export type TopUpInput = z.infer<typeof TopUpInputSchema>;

export const CREDIT_REASON_MAX = 500;

/** An admin's credit: who (`by`) and why (`reason`) are recorded on the ledger event. */
export const AdminCreditInputSchema = MovementSchema.extend({
  by: z.string().min(1).max(100),
  reason: z.string().trim().min(3).max(CREDIT_REASON_MAX),
});
export type AdminCreditInput = z.infer<typeof AdminCreditInputSchema>;

export const CreditsQuerySchema = AccountRefSchema.extend({
  /** Items with seq < before (newest first). */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(PAGE_LIMIT_MAX).default(20),
});
export type CreditsQuery = z.input<typeof CreditsQuerySchema>;

/** One entry of money into a ledger, as operators audit it. */
export interface CreditView {
  seq: number;
  source: FundingSource;
  amount: Money;
  /** The provider's event id (`provider`). */
  eventId?: string;
  /** Who credited (`admin`): `operator` or `admin:<customerId>`. */
  by?: string;
  reason?: string;
  at: string;
}

export interface CreditsPage {
  items: CreditView[];
  nextCursor: number | null;
}

/** Capture (charge) for an order; refunds are limited to what was captured for it. */
export const CaptureInputSchema = MovementSchema.extend({ orderId: z.string().min(1).max(64) });
export type CaptureInput = z.infer<typeof CaptureInputSchema>;
export const RefundInputSchema = CaptureInputSchema;
export type RefundInput = z.infer<typeof RefundInputSchema>;

/**
 * The order saga's compensation of a capture: `operationId` is the refund's,
 * `captureOperationId` the capture's. Voids the capture when it has not
 * happened (a late capture is then refused), refunds it when it has.
 */
export const CompensateCaptureInputSchema = CaptureInputSchema.extend({
  captureOperationId: OperationIdSchema,
});
export type CompensateCaptureInput = z.infer<typeof CompensateCaptureInputSchema>;

export const TransferInputSchema = z.object({
  /** The debtor; the transfer lives in their ledger. */
  customerId: CustomerIdSchema,
  region: z.enum(REGIONS),
  toCustomerId: CustomerIdSchema,
  amount: AmountSchema,
  currency: CurrencySchema.optional(),
  operationId: OperationIdSchema,
});
export type TransferInput = z.infer<typeof TransferInputSchema>;

export const TransferRefSchema = AccountRefSchema.extend({ transferId: z.string().min(1).max(64) });
export type TransferRef = z.infer<typeof TransferRefSchema>;

export const EventsQuerySchema = AccountRefSchema.extend({
  /** Epoch ms; the state as of this instant (inclusive). Default: now. */
  until: z.number().int().nonnegative().optional(),
  /** Return events with seq > after. */
  after: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export type EventsQuery = z.input<typeof EventsQuerySchema>;

export const TransactionsQuerySchema = AccountRefSchema.extend({
  /** Consistency token from a write: answer from the ledger if the projection lags it. */
  minVersion: z.number().int().nonnegative().optional(),
  /** Items with seq < before (newest first). */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(PAGE_LIMIT_MAX).default(20),
  /** A D1 bookmark from a previous page: read at least that fresh (common/d1-session). */
  bookmark: z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/)
    .optional(),
});
export type TransactionsQuery = z.input<typeof TransactionsQuerySchema>;

// ── Views ───────────────────────────────────────────────────────────────────

export interface AccountView {
  accountId: string;
  customerId: string;
  region: (typeof REGIONS)[number];
  balance: Money;
  /** Sent by outgoing transfers and not yet credited (or reversed). */
  inTransit: Money;
  /** Sequence number of the last event: the consistency token of reads. */
  version: number;
  openedAt: string;
}

/** What a command answers; `replayed` is true when the operation id was applied before. */
export interface LedgerReceipt {
  accountId: string;
  balance: Money;
  inTransit: Money;
  version: number;
  replayed: boolean;
}

export const LEDGER_EVENT_TYPES = [
  'AccountOpened',
  'FundsDeposited',
  'PaymentCaptured',
  'PaymentRefunded',
  'TransferDebited',
  'TransferCredited',
  'TransferSettled',
  'TransferReversed',
] as const;
export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

export interface AccountEventView {
  seq: number;
  type: LedgerEventType;
  amount?: Money;
  reference?: string;
  /** FundsDeposited: where the money came from. */
  source?: FundingSource;
  at: string;
}

export interface AccountEventsPage {
  events: AccountEventView[];
  /** Balance and version as of `until`. */
  balanceAt: Money;
  inTransitAt: Money;
  versionAt: number;
  until: string;
  nextCursor: number | null;
}

export interface TransactionItem {
  seq: number;
  type: LedgerEventType;
  direction: 'credit' | 'debit' | 'none';
  amount: Money;
  balanceAfter: Money;
  reference: string | null;
  at: string;
}

export interface TransactionsPage {
  items: TransactionItem[];
  nextCursor: number | null;
  /** `projection` (eventual read model) or `ledger` (the leader, when the projection lagged the token). */
  source: 'projection' | 'ledger';
  /** The D1 read session's bookmark, for the next read (null when nothing was read from D1). */
  bookmark: string | null;
}

/**
 * IN_FLIGHT: debited, the amount is visibly in transit (the debtor's
 * `inTransit`); COMPLETED: credited to the recipient; REVERSED: the credit was
 * refused or cancelled and the amount went back to the debtor.
 */
export const TRANSFER_STATUSES = ['IN_FLIGHT', 'COMPLETED', 'REVERSED'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

export interface TransferView {
  transferId: string;
  status: TransferStatus;
  fromCustomerId: string;
  toCustomerId: string;
  amount: Money;
  inTransit: Money;
  reason?: string;
  history: { status: TransferStatus; at: string }[];
  createdAt: string;
  updatedAt: string;
}

// ── Events (ledger outbox → queue meridian-ledger-events-<region>) ─────────

export const LEDGER_EVENT = 'payments.ledger_event';
export const LedgerEventMessageSchema = z.object({
  accountId: z.string(),
  customerId: z.string(),
  region: z.enum(REGIONS),
  seq: z.number().int().positive(),
  type: z.enum(LEDGER_EVENT_TYPES),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  balanceAfter: z.number().int(),
  reference: z.string().nullable(),
  /** Epoch ms. */
  at: z.number().int(),
});
export type LedgerEventMessage = z.infer<typeof LedgerEventMessageSchema>;

/** A topic: every binding named LEDGER_EVENTS_<REGION>__* receives each ledger event of that region. */
export const LEDGER_EVENTS = 'LEDGER_EVENTS';

// ── Transfer events (ledger outbox → topic TRANSFER_EVENTS) ────────────────

/**
 * What a transfer did to one side, published by that side's ledger in the
 * transaction of its event (so in that customer's home region): the sender's
 * debit and reversal, the recipient's credit. Subscribers (the notification
 * inbox) tell `customerId`; `fromCustomerId`/`toCustomerId` name both sides.
 */
export const TRANSFER_EVENT = 'payments.transfer_event';
export const TRANSFER_EVENT_TYPES = [
  'TransferDebited',
  'TransferCredited',
  'TransferReversed',
] as const;
export const TransferEventMessageSchema = z.object({
  transferId: z.string(),
  /** The customer whose ledger recorded it: the one this event concerns. */
  customerId: z.string(),
  region: z.enum(REGIONS),
  type: z.enum(TRANSFER_EVENT_TYPES),
  fromCustomerId: z.string(),
  toCustomerId: z.string(),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  /** Epoch ms. */
  at: z.number().int(),
});
export type TransferEventMessage = z.infer<typeof TransferEventMessageSchema>;

/** A topic: every binding named TRANSFER_EVENTS_<REGION>__* receives each transfer event of that region. */
export const TRANSFER_EVENTS = 'TRANSFER_EVENTS';

/**
 * Rule names of expected failures: `insufficient_funds` (409),
 * `refund_exceeds_capture` (409), `currency_mismatch` (409),
 * `balance_limit_exceeded` (409), `operation_id_reused` (409, the id was used
 * for another command), `operation_cancelled` (409), `recipient_not_found`
 * (404), `transfer_to_self` (400), `transfer_not_found` (404),
 * `payments_invalid` (400).
 */
export type PaymentsFailureCode =
  | 'insufficient_funds'
  | 'refund_exceeds_capture'
  | 'currency_mismatch'
  | 'balance_limit_exceeded'
  | 'operation_id_reused'
  | 'operation_cancelled'
  | 'recipient_not_found'
  | 'transfer_to_self'
  | 'transfer_not_found'
  | 'payments_invalid';

// ── Commands (queues meridian-payment-commands-<region>) and their replies ─

/** Topic of the saga's payment commands: one queue per region, `<topic>-<region>`. */
export const PAYMENT_COMMANDS_QUEUE = 'meridian-payment-commands';

/** Command types; payloads are the RPC inputs of the same name. */
export const PAYMENT_COMMANDS = {
  capturePayment: 'payments.capture_payment',
  refundPayment: 'payments.refund_payment',
  compensateCapture: 'payments.compensate_capture',
} as const;

/** Reply event type on the saga replies queue: a `CommandResult` (common/commands.ts). */
export const PAYMENT_COMMAND_RESULT = 'payments.command_result';
