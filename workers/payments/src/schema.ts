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

export { inbox } from '@common/d1-inbox';
