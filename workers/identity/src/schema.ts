/** Identity store (D1): customers, credentials, roles, refresh-token families. */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  /** Lower-cased; the unique index, not a read-then-write, enforces uniqueness. */
  email: text('email').notNull().unique(),
  name: text('name'),
  region: text('region').notNull(),
  roles: text('roles').notNull().default('customer'),
  passwordHash: text('password_hash').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    /** SHA-256 of the token; the token itself is never stored. */
    tokenHash: text('token_hash').primaryKey(),
    familyId: text('family_id').notNull(),
    userId: text('user_id').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
    revokedAt: integer('revoked_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('refresh_tokens_family').on(t.familyId)],
);
