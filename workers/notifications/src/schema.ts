/** Notifications store (D1): per-customer inbox and the dead-letter store. */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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

export const inbox = sqliteTable(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    messageId: text('message_id').notNull(),
    processedAt: integer('processed_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.messageId] })],
);
