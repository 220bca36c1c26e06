/**
 * Reads of the D1 read models (orders, transactions) through the Sessions
 * API, so they can be served by D1 read replicas (leader-follower): the
 * primary takes every write, replicas follow it asynchronously.
 *
 * A read that presents a bookmark (the `X-D1-Bookmark` a previous answer
 * returned) gets a session that starts at least there: it sees everything
 * that answer saw, whichever replica serves it (read-your-writes, monotonic
 * reads). A read without one takes `first-unconstrained`: the nearest
 * replica, however far behind. Every answer returns its session's bookmark
 * for the client's next read. `first-primary` is for a reader that must see
 * every committed write (a consistency token the replica has not reached).
 *
 * Locally (Miniflare, Vitest) a database has one instance and no replicas:
 * sessions and bookmarks work, every session reads the primary.
 */

export const BOOKMARK_HEADER = 'x-d1-bookmark';

/** D1 bookmarks are opaque: printable, bounded; anything else is a client error. */
const BOOKMARK = /^[\x21-\x7e]{1,256}$/;

export function isBookmark(value: unknown): value is string {
  return typeof value === 'string' && BOOKMARK.test(value);
}

/** A read session: at or after `bookmark` when given, else from the nearest replica. */
export function readSession(db: D1Database, bookmark?: string | null): D1DatabaseSession {
  return db.withSession(bookmark ?? 'first-unconstrained');
}

/** A session whose first query goes to the primary: it sees every committed write. */
export function primarySession(db: D1Database): D1DatabaseSession {
  return db.withSession('first-primary');
}

/** What a read model's reader needs: a database or a session of one. */
export type D1Reader = Pick<D1Database, 'prepare'>;
