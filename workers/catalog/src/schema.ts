import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const products = sqliteTable(
  'products',
  {
    id: text('id').primaryKey(),
    sku: text('sku').notNull().unique(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    category: text('category').notNull(),
    priceAmount: integer('price_amount').notNull(),
    currency: text('currency').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    version: integer('version').notNull().default(1),
  },
  (t) => [index('products_category_id').on(t.category, t.id)],
);

/** Stock read model, fed by inventory events; eventually consistent. */
export const stockLevels = sqliteTable(
  'stock_levels',
  {
    sku: text('sku').notNull(),
    region: text('region').notNull(),
    available: integer('available').notNull(),
    reserved: integer('reserved').notNull(),
    version: integer('version').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sku, t.region] })],
);

/**
 * Transactional outbox: every product write inserts its event here in the same
 * D1 batch (one transaction), so an event exists if and only if its write
 * committed. The relay claims rows by pushing `available_at` forward (a lease),
 * sends them to the queue and deletes them; a relay that dies mid-way leaves
 * rows that become claimable again when the lease runs out.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    messageId: text('message_id').notNull().unique(),
    envelope: text('envelope').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Epoch ms from which the row may be claimed (lease end or retry time). */
    availableAt: integer('available_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('outbox_available_at').on(t.availableAt, t.seq)],
);

/** Processed message ids, committed with each consumer's effect. */

export { inbox } from '@common/d1-inbox';
