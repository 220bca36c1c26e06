/** Catalog store (D1). Migrations are generated from this file by drizzle-kit. */
import { sql } from 'drizzle-orm';
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

/** Processed message ids, committed with each consumer's effect. */
export const inbox = sqliteTable(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    messageId: text('message_id').notNull(),
    processedAt: integer('processed_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.messageId] })],
);
