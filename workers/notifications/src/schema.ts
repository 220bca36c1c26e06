import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const notifications = sqliteTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull(),
    type: text('type').notNull(),
    orderId: text('order_id'),
    data: text('data').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('notifications_customer_created').on(t.customerId, t.createdAt)],
);

/** Messages that exhausted their retries, kept for operators to inspect and replay. */
export const deadLetters = sqliteTable(
  'dead_letters',
  {
    id: text('id').primaryKey(),
    queue: text('queue').notNull(),
    envelopeId: text('envelope_id'),
    type: text('type'),
    body: text('body').notNull(),
    attempts: integer('attempts').notNull(),
    receivedAt: integer('received_at').notNull(),
    replayedAt: integer('replayed_at'),
    /** The failure that exhausted the retries, when the consumer reported it. */
    error: text('error'),
    /** The dead-letter queue's message id: a redelivered dead letter is stored once. */
    messageId: text('message_id').unique(),
  },
  (t) => [index('dead_letters_received').on(t.receivedAt)],
);

export { inbox } from '@common/d1-inbox';
