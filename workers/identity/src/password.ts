/**
 * Password hashing: PBKDF2-SHA256 through WebCrypto with a random 16-byte salt
 * per hash. The iteration count is stored with the hash
 * (`pbkdf2-sha256$<iterations>$<salt>$<hash>`, base64url), so the cost can be
 * raised later and old hashes still verify (and are upgraded on login).
 * Comparison is constant-time.
 */

/** Workers' WebCrypto refuses more PBKDF2 iterations than this; local workerd does not. */
export const PBKDF2_ITERATIONS_MAX = 100_000;
const SCHEME = 'pbkdf2-sha256';
const SALT_BYTES = 16;
const HASH_BITS = 256;

export interface ParsedHash {
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array<ArrayBuffer>;
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Refuses counts Workers would reject, so a misconfiguration fails loudly in every environment. */
export function assertIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS_MAX) {
    throw new RangeError(
      `PBKDF2 iterations must be an integer in 1..${PBKDF2_ITERATIONS_MAX}, got ${iterations}`,
    );
  }
}

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  assertIterations(iterations);
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(password),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations: number): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return `${SCHEME}$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export function parseHash(stored: string): ParsedHash | undefined {
  const [scheme, count, saltText, hashText, ...rest] = stored.split('$');
  if (scheme !== SCHEME || rest.length || !count || !/^\d{1,7}$/.test(count)) return undefined;
  const iterations = Number(count);
  const salt = fromBase64Url(saltText ?? '');
  const hash = fromBase64Url(hashText ?? '');
  if (!salt?.length || hash?.length !== HASH_BITS / 8) return undefined;
  if (iterations < 1 || iterations > PBKDF2_ITERATIONS_MAX) return undefined;
  return { iterations, salt, hash };
}

/** True when `password` matches `stored`; malformed hashes never match. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.iterations);
  return crypto.subtle.timingSafeEqual(candidate, parsed.hash);
}

/** A stored hash made with fewer iterations than configured now is upgraded at the next login. */
export function needsRehash(stored: string, iterations: number): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.iterations < iterations;
}

/**
 * Verifying against this when the email is unknown makes a failed login cost
 * the same whether or not the account exists (no user enumeration by timing).
 */
export async function dummyHash(iterations: number): Promise<string> {
  dummy ??= { iterations, hash: hashPassword('not-a-real-password', iterations) };
  if (dummy.iterations !== iterations)
    dummy = { iterations, hash: hashPassword('not-a-real-password', iterations) };
  return dummy.hash;
}
let dummy: { iterations: number; hash: Promise<string> } | undefined;
