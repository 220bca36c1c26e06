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
  // Keyset pages newest first (created_at DESC, id DESC), per customer, per
  // status (operators' filter) and over the whole region.
  (t) => [
    index('orders_customer_created').on(t.customerId, t.createdAt),
    index('orders_created_id').on(t.createdAt, t.id),
    index('orders_status_created_id').on(t.status, t.createdAt, t.id),
  ],
);

export { inbox } from '@common/d1-inbox';
