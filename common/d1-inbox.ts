/**
 * The processed-message record of a D1 consumer, declared once: every
 * service's drizzle schema re-exports it, so each database gets the same
 * table from its own migrations. `applyOnceD1` (./consumer.ts) writes a row
 * in the same batch as the message's effect, so a redelivery has no second
 * effect.
 */
import { sql } from 'drizzle-orm';
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const inbox = sqliteTable(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    messageId: text('message_id').notNull(),
    processedAt: integer('processed_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.messageId] })],
);
