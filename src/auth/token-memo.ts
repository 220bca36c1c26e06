/**
 * Verified access tokens, remembered per isolate so a client that sends the
 * same token on every request pays for one ES256 verification, not one per
 * request. Bounded (`TOKEN_MEMO_MAX` entries, oldest first out) and keyed by
 * the whole token: a hit is the same bytes, signature included, that were
 * verified. An entry is used only while
 * - the token is inside both its `exp` and the maximum age (JWT_MAX_AGE_S
 *   after `iat`), each with the clock skew the verifier allows, and
 * - the verification settings are unchanged: a new key set (a signing key
 *   revoked from JWT_PUBLIC_KEYS), issuer, audience, skew or maximum age
 *   empties the memo, so nothing verified under the old ones is accepted.
 */
import type { AccessClaims } from '@common/contracts/identity';

export const TOKEN_MEMO_MAX = 4096;

interface Entry {
  claims: AccessClaims;
  /** Epoch ms after which the token is refused (exp or maximum age, plus skew). */
  until_ms: number;
}

export class TokenMemo {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  #settings = '';

  constructor(max_entries = TOKEN_MEMO_MAX) {
    this.#max = max_entries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The claims of `token` if it was verified under `settings` and is still valid at `now_ms`. */
  get(token: string, settings: string, now_ms: number): AccessClaims | undefined {
    if (settings !== this.#settings) {
      this.#entries.clear();
      this.#settings = settings;
      return undefined;
    }
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (now_ms < entry.until_ms) return entry.claims;
    this.#entries.delete(token);
    return undefined;
  }

  set(token: string, settings: string, claims: AccessClaims, until_ms: number): void {
    if (settings !== this.#settings) {
      this.#entries.clear();
      this.#settings = settings;
    }
    this.#entries.set(token, { claims, until_ms });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}
