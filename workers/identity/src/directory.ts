/**
 * Where a customer's identity lives. Emails, names, password hashes, roles
 * and refresh tokens are kept in the customer's home region's database
 * (`identityDb`); login knows only an email, so a global directory maps a
 * keyed hash of the email to the region. The hash is keyed (HMAC-SHA256 with
 * EMAIL_INDEX_KEY) so that the directory cannot be reversed by hashing
 * guessed addresses.
 *
 * The directory row is also what makes an email unique across regions: it
 * is claimed before the user is inserted, and released if the insert fails.
 */
import { hmacSha256 } from '@common/hmac';
import {
  findInRegions,
  isRegion,
  type Region,
  type RegionSearch,
  regionalDb,
} from '@common/regions';
import { and, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { emailDirectory } from './directory-schema';
import { toBase64Url } from './password';
import { type IdentityDb, identityDb } from './users';

const KEY_MIN_LENGTH = 32;

/** The directory key of an (already normalised: trimmed, lower-cased) email. */
export async function emailKey(secret: string, email: string): Promise<string> {
  if (secret.length < KEY_MIN_LENGTH)
    throw new Error(`EMAIL_INDEX_KEY must have at least ${KEY_MIN_LENGTH} characters`);
  return toBase64Url(await hmacSha256(secret, email));
}

export function directoryDb(d1: D1Database) {
  return drizzle(d1, { schema: { emailDirectory } });
}
export type DirectoryDb = ReturnType<typeof directoryDb>;

/** Every store identity uses: the global directory and each region's database. */
export interface IdentityStores {
  directory: DirectoryDb;
  regional(region: Region): IdentityDb;
  emailKey(email: string): Promise<string>;
}

export function identityStores(env: IdentityEnv): IdentityStores {
  return {
    directory: directoryDb(env.IDENTITY_DB),
    regional: (region) => identityDb(regionalDb(env, region, 'identityDb')),
    emailKey: (email) => emailKey(env.EMAIL_INDEX_KEY, email),
  };
}

export interface Claim {
  region: Region;
  createdAt: number;
}

export async function claimOf(db: DirectoryDb, key: string): Promise<Claim | undefined> {
  const [row] = await db
    .select()
    .from(emailDirectory)
    .where(eq(emailDirectory.emailKey, key))
    .limit(1);
  if (!row) return undefined;
  if (!isRegion(row.region)) throw new Error(`email directory names unknown region ${row.region}`);
  return { region: row.region, createdAt: row.createdAt };
}

/** Claims `key` for `region`; false when it is already claimed (the email is taken). */
export async function claim(
  db: DirectoryDb,
  key: string,
  region: Region,
  now_ms: number,
): Promise<boolean> {
  const inserted = await db
    .insert(emailDirectory)
    .values({ emailKey: key, region, createdAt: now_ms })
    .onConflictDoNothing()
    .returning({ key: emailDirectory.emailKey });
  return inserted.length === 1;
}

/**
 * Releases the claim made for `region` at `createdAt`, and only that one:
 * never another region's, nor a newer claim that replaced it.
 */
export async function release(db: DirectoryDb, key: string, made: Claim): Promise<void> {
  await db
    .delete(emailDirectory)
    .where(
      and(
        eq(emailDirectory.emailKey, key),
        eq(emailDirectory.region, made.region),
        eq(emailDirectory.createdAt, made.createdAt),
      ),
    );
}

/**
 * `lookup` in every region's identity database, for what is found by
 * something other than the email (a refresh token, a customer id).
 */
export function findIdentity<T>(
  stores: IdentityStores,
  lookup: (db: IdentityDb) => Promise<T | undefined>,
): Promise<RegionSearch<T>> {
  return findInRegions((region) => lookup(stores.regional(region)));
}
