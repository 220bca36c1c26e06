/**
 * The gateway's access-token verification keys: the JWKS in the
 * JWT_PUBLIC_KEYS secret (public keys only), parsed and imported once per
 * isolate. Verification is local: no call to identity per request.
 */
import { ACCESS_TOKEN_ALG, type PublicJwks, PublicJwksSchema } from '@common/contracts/identity';
import { importJWK } from 'jose';

export interface VerificationKeys {
  jwks: PublicJwks;
  byKid: ReadonlyMap<string, CryptoKey>;
}

let cached: { source: string; keys: Promise<VerificationKeys> } | undefined;

async function load(source: string): Promise<VerificationKeys> {
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch {
    throw new Error('JWT_PUBLIC_KEYS is not JSON');
  }
  // Strict: a private key (`d`) in the gateway's set is a configuration error.
  const parsed = PublicJwksSchema.safeParse(json);
  if (!parsed.success) throw new Error('JWT_PUBLIC_KEYS must be a JWKS of ES256 public keys');
  const byKid = new Map<string, CryptoKey>();
  for (const jwk of parsed.data.keys) {
    if (byKid.has(jwk.kid)) throw new Error(`JWT_PUBLIC_KEYS has duplicate kid ${jwk.kid}`);
    const key = await importJWK(jwk, ACCESS_TOKEN_ALG);
    if (!(key instanceof CryptoKey)) throw new Error(`key ${jwk.kid} did not import`);
    byKid.set(jwk.kid, key);
  }
  const keys = parsed.data.keys.map((k) => ({ ...k, alg: ACCESS_TOKEN_ALG, use: 'sig' as const }));
  return { jwks: { keys }, byKid };
}

export function verificationKeys(env: GatewayEnv): Promise<VerificationKeys> {
  const source = env.JWT_PUBLIC_KEYS ?? '';
  if (cached?.source !== source) {
    const keys = load(source);
    // A bad secret must not stay cached: fixing it takes effect at once.
    keys.catch(() => {
      if (cached?.keys === keys) cached = undefined;
    });
    cached = { source, keys };
  }
  return cached.keys;
}
