/**
 * Opaque, sortable ids with a type prefix (`ord_…`, `cus_…`): 10 chars of
 * millisecond time then 16 chars of randomness, Crockford base32, so ids sort
 * by creation time and never collide in practice. An id may carry a one-char
 * tag between the two (27 chars: an order names its region this way, see
 * `regionalId` in regions.ts); untagged ids keep 26, so the two never mix up.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** One character of an id body, as a regex class. */
export const ID_CHAR = '[0-9A-HJKMNP-TV-Z]';

export type IdPrefix =
  | 'cus'
  | 'ord'
  | 'prd'
  | 'msg'
  | 'req'
  | 'res'
  | 'txn'
  | 'trf'
  | 'acc'
  | 'ntf'
  | 'dlq'
  | 'op';

export type Id<P extends IdPrefix> = `${P}_${string}`;

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = (ALPHABET[t % 32] ?? '0') + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 32];
  return out;
}

/** A new id of the given type, e.g. `newId('ord')` → `ord_01JD…`; `tag` goes after the time. */
export function newId<P extends IdPrefix>(prefix: P, now: number = Date.now(), tag = ''): Id<P> {
  return `${prefix}_${encodeTime(now)}${checkedTag(tag)}${encodeRandom(16)}`;
}

/** True when `value` looks like an id of the given type, tagged or not. */
export function isId<P extends IdPrefix>(prefix: P, value: string): value is Id<P> {
  return new RegExp(`^${prefix}_${ID_CHAR}{26,27}$`).test(value);
}

/** The tag of a tagged id of the given type; undefined for an untagged or malformed one. */
export function idTag(prefix: IdPrefix, value: string): string | undefined {
  return new RegExp(`^${prefix}_${ID_CHAR}{10}(${ID_CHAR})${ID_CHAR}{16}$`).exec(value)?.[1];
}

function checkedTag(tag: string): string {
  if (tag !== '' && !new RegExp(`^${ID_CHAR}$`).test(tag))
    throw new Error(`an id tag is one id character, not "${tag}"`);
  return tag;
}

/**
 * The same id every time for the same `seed`: time part from `at`, the rest
 * from SHA-256 of the seed. For resources created under an idempotency key,
 * so a retry that takes over a lapsed attempt names the same resource.
 */
export async function derivedId<P extends IdPrefix>(
  prefix: P,
  at: number,
  seed: string,
  tag = '',
): Promise<Id<P>> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(seed)),
  );
  let tail = '';
  for (const b of digest.subarray(0, 16)) tail += ALPHABET[b % 32];
  return `${prefix}_${encodeTime(at)}${checkedTag(tag)}${tail}`;
}
