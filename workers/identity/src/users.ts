/** Customers and their credentials in identity's D1, through drizzle. */
import { ROLES, type Role } from '@common/contracts/identity';
import { newId } from '@common/ids';
import { isRegion, type Region } from '@common/regions';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { refreshTokens, users } from './schema';

export function identityDb(d1: D1Database) {
  return drizzle(d1, { schema: { users, refreshTokens } });
}
export type IdentityDb = ReturnType<typeof identityDb>;

export interface User {
  id: string;
  email: string;
  name: string | null;
  region: Region;
  roles: Role[];
  passwordHash: string;
}

type UserRow = typeof users.$inferSelect;

export const encodeRoles = (roles: readonly Role[]): string => [...new Set(roles)].join(',');
export const decodeRoles = (text: string): Role[] =>
  text.split(',').filter((r): r is Role => (ROLES as readonly string[]).includes(r));

function toUser(row: UserRow): User {
  // The region was validated when it was stored; a row that disagrees is corrupt.
  if (!isRegion(row.region)) throw new Error(`user ${row.id} has unknown region ${row.region}`);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    region: row.region,
    roles: decodeRoles(row.roles),
    passwordHash: row.passwordHash,
  };
}

/** True when `error` (or a cause of it) is SQLite refusing a duplicate email. */
function isEmailTaken(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof Error && /UNIQUE constraint failed: users\.email/.test(e.message)) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

export interface NewUser {
  email: string;
  name?: string | undefined;
  region: Region;
  roles: Role[];
  passwordHash: string;
}

/**
 * Inserts a user; 'email_taken' when the unique index refuses it. There is no
 * read-before-write, so two concurrent registrations cannot both succeed.
 */
export async function insertUser(
  db: IdentityDb,
  input: NewUser,
  now_ms: number,
): Promise<User | 'email_taken'> {
  const id = newId('cus', now_ms);
  try {
    await db.insert(users).values({
      id,
      email: input.email,
      name: input.name ?? null,
      region: input.region,
      roles: encodeRoles(input.roles),
      passwordHash: input.passwordHash,
      createdAt: now_ms,
    });
  } catch (error) {
    if (isEmailTaken(error)) return 'email_taken';
    throw error;
  }
  return {
    id,
    email: input.email,
    name: input.name ?? null,
    region: input.region,
    roles: input.roles,
    passwordHash: input.passwordHash,
  };
}

export async function userByEmail(db: IdentityDb, email: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return row ? toUser(row) : undefined;
}

export async function userById(db: IdentityDb, id: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row ? toUser(row) : undefined;
}

export async function updateUser(
  db: IdentityDb,
  id: string,
  change: { passwordHash?: string; roles?: Role[] },
): Promise<void> {
  const set: Partial<UserRow> = {};
  if (change.passwordHash !== undefined) set.passwordHash = change.passwordHash;
  if (change.roles !== undefined) set.roles = encodeRoles(change.roles);
  if (Object.keys(set).length) await db.update(users).set(set).where(eq(users.id, id));
}
