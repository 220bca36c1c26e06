/**
 * Refresh-token families (a "session"): login starts a family; each refresh
 * spends the presented token and issues the next one in the same family. A
 * token works once: presenting a spent token means it leaked (or a client
 * raced itself), so the whole family is revoked and every holder must log in
 * again. Only SHA-256 hashes of tokens are stored.
 */
import { and, eq, inArray, isNull, lt } from 'drizzle-orm';
import { toBase64Url } from './password';
import { refreshTokens } from './schema';
import type { IdentityDb } from './users';

export async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return toBase64Url(new Uint8Array(digest));
}

function newRefreshToken(): string {
  return `rt_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export interface Issued {
  token: string;
  familyId: string;
}

/** Starts a new family (a login). */
export async function startFamily(
  db: IdentityDb,
  userId: string,
  now_ms: number,
  ttl_s: number,
): Promise<Issued> {
  const token = newRefreshToken();
  const familyId = crypto.randomUUID();
  await db.insert(refreshTokens).values({
    tokenHash: await tokenHash(token),
    familyId,
    userId,
    expiresAt: now_ms + ttl_s * 1000,
    createdAt: now_ms,
  });
  return { token, familyId };
}

export async function revokeFamily(
  db: IdentityDb,
  familyId: string,
  userId: string,
  now_ms: number,
): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: now_ms })
    .where(
      and(
        eq(refreshTokens.familyId, familyId),
        eq(refreshTokens.userId, userId),
        isNull(refreshTokens.revokedAt),
      ),
    );
}

export type Rotation =
  | { ok: true; userId: string; issued: Issued }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' };

/**
 * Spends `token` and issues its successor. The spend is a conditional UPDATE,
 * so of two concurrent uses exactly one wins and the other counts as reuse.
 */
export async function rotate(
  db: IdentityDb,
  token: string,
  now_ms: number,
  ttl_s: number,
): Promise<Rotation> {
  const hash = await tokenHash(token);
  const [row] = await db
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hash))
    .limit(1);
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
  const spent = async () => {
    await revokeFamily(db, row.familyId, row.userId, now_ms);
    return { ok: false, reason: 'reused' } as const;
  };
  if (row.usedAt !== null) return spent();
  if (row.expiresAt <= now_ms) return { ok: false, reason: 'expired' };
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: now_ms })
    .where(
      and(
        eq(refreshTokens.tokenHash, hash),
        isNull(refreshTokens.usedAt),
        isNull(refreshTokens.revokedAt),
      ),
    )
    .returning({ familyId: refreshTokens.familyId });
  if (!claimed.length) return spent();

  const next = newRefreshToken();
  // Inserted only while the family is not revoked: a logout or reuse that
  // lands between the spend and this insert leaves no live token behind.
  const inserted = await db.$client
    .prepare(
      `INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5
       WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = ?2 AND revoked_at IS NOT NULL)`,
    )
    .bind(await tokenHash(next), row.familyId, row.userId, now_ms + ttl_s * 1000, now_ms)
    .run();
  if (inserted.meta.changes !== 1) return { ok: false, reason: 'revoked' };
  return { ok: true, userId: row.userId, issued: { token: next, familyId: row.familyId } };
}

/** True when this database holds `token` (whatever its state): the region of its session. */
export async function holdsToken(db: IdentityDb, token: string): Promise<true | undefined> {
  const [row] = await db
    .select({ hash: refreshTokens.tokenHash })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, await tokenHash(token)))
    .limit(1);
  return row ? true : undefined;
}

/** Deletes up to `limit` tokens that expired before `now_ms`; returns how many. */
export async function deleteExpired(db: IdentityDb, now_ms: number, limit = 500): Promise<number> {
  const doomed = db
    .select({ hash: refreshTokens.tokenHash })
    .from(refreshTokens)
    .where(lt(refreshTokens.expiresAt, now_ms))
    .limit(limit);
  const result = await db.delete(refreshTokens).where(inArray(refreshTokens.tokenHash, doomed));
  return result.meta.changes;
}
