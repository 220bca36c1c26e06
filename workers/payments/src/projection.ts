/**
 * The CQRS read side: ledger events from the queue become rows of the D1
 * `transactions` projection (and, for AccountOpened, the `accounts`
 * directory). Each message's effect and its inbox record commit in one D1
 * batch, and the rows are keyed by (account, seq), so a redelivered or
 * replayed event has no second effect. Events may arrive out of order; the
 * projection is complete up to version V exactly when it holds seqs 1..V.
 *
 * Residency: every region has its own database (`paymentsDb`); an event is
 * written only to the database of the account's home region, and the
 * directory of a region lists only that region's customers.
 */
import { applyOnceD1, type ConsumeOutcome } from '@common/consumer';
import {
  type AccountView,
  LEDGER_EVENT,
  LedgerEventMessageSchema,
  type LedgerEventType,
  type TransactionItem,
} from '@common/contracts/payments';
import type { D1Reader } from '@common/d1-session';
import type { Envelope } from '@common/envelope';
import { createLogger, errorMessage } from '@common/log';
import { findInRegions, type Region, type RegionSearch, regionalDb } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { directionOf } from './fold';

export const CONSUMER = 'payments.transactions';

/** The payments database of a region: the one place that picks it. */
export function paymentsDb(env: PaymentsEnv, region: Region): D1Database {
  return regionalDb(env, region, 'paymentsDb');
}

export async function applyLedgerEvent(
  env: PaymentsEnv,
  envelope: Envelope,
): Promise<ConsumeOutcome> {
  if (envelope.type !== LEDGER_EVENT) return 'ignored';
  const event = LedgerEventMessageSchema.parse(envelope.payload);
  // An envelope that disagrees with its payload cannot be placed safely: it
  // fails (and is dead-lettered) rather than land in the wrong region.
  if (event.region !== envelope.region)
    throw new Error(`ledger event of ${event.accountId}: region mismatch`);
  const db = paymentsDb(env, event.region);
  const effects = [
    db
      .prepare(
        `INSERT INTO transactions (account_id, seq, type, amount, currency, balance_after, reference, occurred_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, seq) DO NOTHING`,
      )
      .bind(
        event.accountId,
        event.seq,
        event.type,
        event.amount,
        event.currency,
        event.balanceAfter,
        event.reference,
        event.at,
      ),
  ];
  if (event.type === 'AccountOpened') effects.push(directoryInsert(db, event));
  return applyOnceD1(db, CONSUMER, envelope.id, effects);
}

export function directoryInsert(
  db: D1Database,
  a: { accountId: string; customerId: string; region: string; currency: string; at: number },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO accounts (account_id, customer_id, region, currency, opened_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    )
    .bind(a.accountId, a.customerId, a.region, a.currency, a.at);
}

/**
 * Directory entry right away, in the account's own region's database; the
 * projection consumer also writes it from AccountOpened, so a failure here
 * only delays it.
 */
export async function registerAccount(
  env: PaymentsEnv,
  view: AccountView,
  meta: CallMeta,
): Promise<void> {
  try {
    await directoryInsert(paymentsDb(env, view.region), {
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

/** How many of seqs 1..version the projection holds for the account (complete when equal). */
export async function projectedThrough(db: D1Reader, accountId: string, version: number) {
  const row = await db
    .prepare('SELECT COUNT(*) AS n FROM transactions WHERE account_id = ? AND seq <= ?')
    .bind(accountId, version)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

interface TransactionRow {
  seq: number;
  type: string;
  amount: number;
  currency: string;
  balance_after: number;
  reference: string | null;
  occurred_at: number;
}

/** Newest first, `seq < before`, from the projection. */
export async function projectedPage(
  db: D1Reader,
  accountId: string,
  before: number,
  limit: number,
): Promise<{ items: TransactionItem[]; nextCursor: number | null }> {
  const { results } = await db
    .prepare(
      `SELECT seq, type, amount, currency, balance_after, reference, occurred_at FROM transactions
       WHERE account_id = ? AND seq < ? AND type != 'AccountOpened'
       ORDER BY seq DESC LIMIT ?`,
    )
    .bind(accountId, before, limit + 1)
    .all<TransactionRow>();
  const items = results.slice(0, limit).map((r) => {
    const type = r.type as LedgerEventType;
    return {
      seq: r.seq,
      type,
      direction: directionOf(type),
      amount: { amount: r.amount, currency: r.currency },
      balanceAfter: { amount: r.balance_after, currency: r.currency },
      reference: r.reference,
      at: new Date(r.occurred_at).toISOString(),
    };
  });
  return { items, nextCursor: results.length > limit ? (items.at(-1)?.seq ?? null) : null };
}

export interface DirectoryEntry {
  accountId: string;
  region: Region;
  currency: string;
}

/**
 * Where a customer's ledger lives. Each region's directory lists only its own
 * customers, so every region is asked (findInRegions); "not found" only when
 * every region answered.
 */
export async function findAccount(
  env: PaymentsEnv,
  customerId: string,
): Promise<RegionSearch<DirectoryEntry>> {
  const found = await findInRegions((region) =>
    paymentsDb(env, region)
      .prepare('SELECT account_id AS accountId, currency FROM accounts WHERE customer_id = ?')
      .bind(customerId)
      .first<{ accountId: string; currency: string }>(),
  );
  return found.region ? { ...found, value: { ...found.value, region: found.region } } : found;
}
