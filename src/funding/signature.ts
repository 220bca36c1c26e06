/**
 * The payment provider's webhook signature, Stripe's scheme:
 *
 *   Meridian-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * computed over the raw body exactly as received (before any JSON parsing).
 * A signature is accepted when any `v1` matches any active secret, compared
 * in constant time, and `t` is within `SIGNATURE_TOLERANCE_S` of now (a
 * captured request cannot be replayed later; within the tolerance a replay
 * is harmless because credits are idempotent by event id).
 *
 * Rotation: PAYMENT_WEBHOOK_SECRET holds one secret, or two separated by a
 * comma (`new,old`): put the new one first, switch the provider to it, then
 * drop the old one. More than two is a configuration error.
 */

import { hmacSha256 } from '@common/hmac';

export const SIGNATURE_HEADER = 'meridian-signature';
export const SIGNATURE_TOLERANCE_S = 300;
export const WEBHOOK_SECRETS_MAX = 2;
const SECRET_LENGTH_MIN = 16;
const HEADER_LENGTH_MAX = 1024;
const SIGNATURES_MAX = 8;

export type SignatureFailure =
  | 'webhook_signature_missing'
  | 'webhook_signature_invalid'
  | 'webhook_timestamp_out_of_tolerance';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

/** The active secrets, newest first; throws when the configuration is unusable. */
export function webhookSecrets(value: string | undefined): string[] {
  const secrets = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (secrets.length < 1 || secrets.length > WEBHOOK_SECRETS_MAX)
    throw new Error(`PAYMENT_WEBHOOK_SECRET must hold 1 or ${WEBHOOK_SECRETS_MAX} secrets`);
  if (secrets.some((s) => s.length < SECRET_LENGTH_MIN))
    throw new Error(
      `each PAYMENT_WEBHOOK_SECRET must have at least ${SECRET_LENGTH_MIN} characters`,
    );
  return secrets;
}

const mac = (secret: string, t: string, rawBody: string) => hmacSha256(secret, `${t}.${rawBody}`);

const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function fromHex(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/** The header value a provider holding `secret` sends for `rawBody` at `t` (the dev provider, tests). */
export async function signWebhook(secret: string, t: number, rawBody: string): Promise<string> {
  return `t=${t},v1=${toHex(await mac(secret, String(t), rawBody))}`;
}

function parseHeader(header: string): { t: string; v1: Uint8Array[] } | undefined {
  if (header.length > HEADER_LENGTH_MAX) return undefined;
  let t: string | undefined;
  const v1: Uint8Array[] = [];
  for (const part of header.split(',')) {
    const [name, value = '', ...rest] = part.trim().split('=');
    if (rest.length) return undefined;
    if (name === 't') {
      if (t !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      t = value;
    } else if (name === 'v1') {
      const bytes = fromHex(value);
      if (!bytes || v1.length >= SIGNATURES_MAX) return undefined;
      v1.push(bytes);
    }
    // Other schemes (v0, …) are ignored, as the provider may add them.
  }
  return t !== undefined && v1.length ? { t, v1 } : undefined;
}

/** Checks `header` against `rawBody` and the active secrets at `now_s`. */
export async function verifyWebhookSignature(
  header: string | undefined,
  rawBody: string,
  secrets: readonly string[],
  now_s: number,
): Promise<SignatureCheck> {
  if (header === undefined || header === '')
    return { ok: false, reason: 'webhook_signature_missing' };
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: 'webhook_signature_invalid' };
  let matched = false;
  for (const secret of secrets) {
    const expected = await mac(secret, parsed.t, rawBody);
    for (const offered of parsed.v1) {
      if (crypto.subtle.timingSafeEqual(expected, offered)) matched = true;
    }
  }
  if (!matched) return { ok: false, reason: 'webhook_signature_invalid' };
  if (Math.abs(now_s - Number(parsed.t)) > SIGNATURE_TOLERANCE_S)
    return { ok: false, reason: 'webhook_timestamp_out_of_tolerance' };
  return { ok: true };
}
