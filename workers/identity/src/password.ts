/**
 * Password hashing: argon2id (RFC 9106) with OWASP's parameters (m = 19 MiB,
 * t = 2, p = 1), through the reference C implementation compiled to
 * WebAssembly (`@phi-ag/argon2`). Workers refuse to compile WebAssembly from
 * bytes at run time (hash-wasm's way: "Wasm code generation disallowed by
 * embedder"), so the module is imported precompiled, as Workers require.
 *
 * Stored as a PHC string, `$argon2id$v=19$m=<KiB>,t=<passes>,p=1$<salt>$<hash>`
 * (standard base64, no padding), so parameters can be raised later and old
 * hashes still verify. Hashes of the previous scheme
 * (`pbkdf2-sha256$<iterations>$<salt>$<hash>`) still verify too; both kinds
 * are upgraded at the next successful login (`needsRehash`). Every
 * comparison is constant-time, and a stored hash whose parameters are out of
 * bounds never verifies (it cannot make a login spend unbounded memory).
 */
import Argon2, { Argon2Type, Argon2Version } from '@phi-ag/argon2';
import argon2Wasm from '@phi-ag/argon2/argon2.wasm';

export interface Argon2Params {
  /** Memory in KiB (19456 = 19 MiB). */
  memory_kib: number;
  /** Passes over the memory. */
  passes: number;
}

/** Bounds of what is hashed and of what a stored hash may ask for (Workers isolates have 128 MB). */
export const ARGON2_MEMORY_KIB_MIN = 8192;
export const ARGON2_MEMORY_KIB_MAX = 65536;
export const ARGON2_PASSES_MAX = 10;
/** Workers' WebCrypto refuses more PBKDF2 iterations than this (legacy hashes only). */
export const PBKDF2_ITERATIONS_MAX = 100_000;

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PBKDF2 = 'pbkdf2-sha256';
const PHC =
  /^\$argon2id\$v=19\$m=(\d{1,6}),t=(\d{1,2}),p=1\$([A-Za-z0-9+/]{11,88})\$([A-Za-z0-9+/]{43})$/;

let argon2: Promise<Argon2> | undefined;
/** One instance per isolate: hashing is synchronous, so requests never share it at once. */
function instance(): Promise<Argon2> {
  argon2 ??= WebAssembly.instantiate(argon2Wasm).then((wasm) => new Argon2(wasm));
  return argon2;
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replaceAll('+', '-').replaceAll('/', '_');
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  return fromBase64(text.replaceAll('-', '+').replaceAll('_', '/'));
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Refuses parameters outside the bounds, so a misconfiguration fails loudly at startup. */
export function assertArgon2Params({ memory_kib, passes }: Argon2Params): void {
  const memoryOk =
    Number.isInteger(memory_kib) &&
    memory_kib >= ARGON2_MEMORY_KIB_MIN &&
    memory_kib <= ARGON2_MEMORY_KIB_MAX;
  if (!memoryOk || !Number.isInteger(passes) || passes < 1 || passes > ARGON2_PASSES_MAX) {
    throw new RangeError(
      `argon2id needs memory ${ARGON2_MEMORY_KIB_MIN}..${ARGON2_MEMORY_KIB_MAX} KiB and 1..${ARGON2_PASSES_MAX} passes, got m=${memory_kib} t=${passes}`,
    );
  }
}

async function argon2id(password: string, salt: Uint8Array, params: Argon2Params) {
  return (await instance()).hash(password, {
    salt,
    memoryCost: params.memory_kib,
    timeCost: params.passes,
    parallelism: 1,
    hashLength: HASH_BYTES,
    type: Argon2Type.Argon2id,
    version: Argon2Version.Version13,
  });
}

export async function hashPassword(password: string, params: Argon2Params): Promise<string> {
  assertArgon2Params(params);
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const { hash } = await argon2id(password, salt, params);
  return `$argon2id$v=19$m=${params.memory_kib},t=${params.passes},p=1$${toBase64(salt)}$${toBase64(hash)}`;
}

type StoredHash =
  | { scheme: 'argon2id'; params: Argon2Params; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array }
  | { scheme: 'pbkdf2'; iterations: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array };

/** The stored hash, or undefined when it is malformed or asks for out-of-bounds work. */
export function parseHash(stored: string): StoredHash | undefined {
  const phc = PHC.exec(stored);
  if (phc) {
    const params = { memory_kib: Number(phc[1]), passes: Number(phc[2]) };
    const salt = fromBase64(phc[3] ?? '');
    const hash = fromBase64(phc[4] ?? '');
    try {
      assertArgon2Params(params);
    } catch {
      return undefined;
    }
    if (!salt || salt.length < 8 || hash?.length !== HASH_BYTES) return undefined;
    return { scheme: 'argon2id', params, salt, hash };
  }
  const [scheme, count, saltText, hashText, ...rest] = stored.split('$');
  if (scheme !== PBKDF2 || rest.length || !count || !/^\d{1,7}$/.test(count)) return undefined;
  const iterations = Number(count);
  const salt = fromBase64Url(saltText ?? '');
  const hash = fromBase64Url(hashText ?? '');
  if (!salt?.length || hash?.length !== HASH_BYTES) return undefined;
  if (iterations < 1 || iterations > PBKDF2_ITERATIONS_MAX) return undefined;
  return { scheme: 'pbkdf2', iterations, salt, hash };
}

/** PBKDF2-SHA256, the previous scheme: only to verify hashes made before argon2id. */
export async function pbkdf2(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
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
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

/** True when `password` matches `stored`; malformed or out-of-bounds hashes never match. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const candidate =
    parsed.scheme === 'argon2id'
      ? (await argon2id(password, parsed.salt, parsed.params)).hash
      : await pbkdf2(password, parsed.salt, parsed.iterations);
  return crypto.subtle.timingSafeEqual(candidate, parsed.hash);
}

/** A legacy (PBKDF2) hash, or an argon2id one weaker than `params`, is replaced at the next login. */
export function needsRehash(stored: string, params: Argon2Params): boolean {
  const parsed = parseHash(stored);
  if (parsed?.scheme !== 'argon2id') return true;
  return parsed.params.memory_kib < params.memory_kib || parsed.params.passes < params.passes;
}

/**
 * Verifying against this when the email is unknown makes a failed login cost
 * the same whether or not the account exists (no user enumeration by timing).
 */
export function dummyHash(params: Argon2Params): Promise<string> {
  const key = `${params.memory_kib}/${params.passes}`;
  if (dummy?.key !== key) dummy = { key, hash: hashPassword('not-a-real-password', params) };
  return dummy.hash;
}
let dummy: { key: string; hash: Promise<string> } | undefined;
