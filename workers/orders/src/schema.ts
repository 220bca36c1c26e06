import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull(),
    status: text('status').notNull(),
    totalAmount: integer('total_amount').notNull(),
    currency: text('currency').notNull(),
    items: text('items').notNull(),
    /** Saga version of the last applied event; older events are ignored. */
    version: integer('version').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('orders_customer_created').on(t.customerId, t.createdAt)],
);

export { inbox } from '@common/d1-inbox';
