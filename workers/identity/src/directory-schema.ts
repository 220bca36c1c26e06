/**
 * The global email directory (D1 `IDENTITY_DB`): which region holds the
 * customer with an email, keyed by a keyed hash of the email so that the
 * directory, which is not pinned to any region, holds no personal data in
 * the clear: no email, no name, no customer id.
 */
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const emailDirectory = sqliteTable('email_directory', {
  /** base64url HMAC-SHA256(EMAIL_INDEX_KEY, lower-cased email); unique: one account per email. */
  emailKey: text('email_key').primaryKey(),
  region: text('region').notNull(),
  /** When the claim was made: a claim without a user after a while is an abandoned registration. */
  createdAt: integer('created_at').notNull(),
});
