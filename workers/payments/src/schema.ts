/**
 * Payments read models (D1), fed by ledger events over the queue:
 * `transactions` (one row per ledger event, CQRS read model: eventual) and
 * `accounts` (which region each customer's ledger lives in, so a transfer can
 * reach a recipient's ledger).
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const transactions = sqliteTable(
  'transactions',
  {
    accountId: text('account_id').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    balanceAfter: integer('balance_after').notNull(),
    reference: text('reference'),
    occurredAt: integer('occurred_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.seq] }),
    index('transactions_account_time').on(t.accountId, t.occurredAt),
  ],
);

export const accounts = sqliteTable('accounts', {
  accountId: text('account_id').primaryKey(),
  customerId: text('customer_id').notNull().unique(),
  region: text('region').notNull(),
  currency: text('currency').notNull(),
  openedAt: integer('opened_at').notNull(),
});

export const inbox = sqliteTable(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    messageId: text('message_id').notNull(),
    processedAt: integer('processed_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.messageId] })],
);
