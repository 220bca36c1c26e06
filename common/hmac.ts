/**
 * HMAC-SHA256 with each secret imported as a CryptoKey once per isolate
 * (a bounded cache: secrets are few, and a changed secret simply adds one).
 * Used for keyed hashes (identity's email directory) and signatures (the
 * payment provider's webhooks).
 */
const KEYS_MAX = 16;
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= KEYS_MAX) keys.clear();
    key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    keys.set(secret, key);
  }
  return key;
}

/** HMAC-SHA256(secret, data) as bytes. */
export async function hmacSha256(secret: string, data: string): Promise<Uint8Array> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    new TextEncoder().encode(data),
  );
  return new Uint8Array(mac);
}
