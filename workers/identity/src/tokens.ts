/**
 * Access tokens: ES256 JWTs (RFC 9068 `at+jwt`) with a `kid`, signed by the
 * first key of the JWT_PRIVATE_KEYS secret. Every configured key is published
 * (public half only) so a new key can be announced before it signs and an old
 * one kept until the tokens it signed have expired.
 */
import {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_TYP,
  type AccessClaims,
  type PublicJwk,
  PublicJwkSchema,
  type PublicJwks,
} from '@common/contracts/identity';
import { importJWK, SignJWT } from 'jose';
import { z } from 'zod';
import type { IdentityConfig } from './config';

const PrivateJwkSchema = PublicJwkSchema.extend({ d: z.string().min(1) });
const PrivateJwksSchema = z.array(PrivateJwkSchema).min(1).max(8);

export interface SigningKeys {
  kid: string;
  key: CryptoKey;
  jwks: PublicJwks;
}

let cached: { source: string; keys: Promise<SigningKeys> } | undefined;

async function load(source: string): Promise<SigningKeys> {
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch {
    throw new Error('JWT_PRIVATE_KEYS is not JSON');
  }
  const parsed = PrivateJwksSchema.safeParse(json);
  if (!parsed.success) throw new Error('JWT_PRIVATE_KEYS must be an array of ES256 private JWKs');
  const kids = new Set(parsed.data.map((k) => k.kid));
  if (kids.size !== parsed.data.length) throw new Error('JWT_PRIVATE_KEYS has duplicate kids');
  const [signer] = parsed.data;
  if (!signer) throw new Error('JWT_PRIVATE_KEYS is empty');
  const key = await importJWK(signer, ACCESS_TOKEN_ALG);
  if (!(key instanceof CryptoKey)) throw new Error('the signing key did not import as a CryptoKey');
  const keys: PublicJwk[] = parsed.data.map(({ d: _private, ...pub }) => ({
    ...pub,
    alg: ACCESS_TOKEN_ALG,
    use: 'sig',
  }));
  return { kid: signer.kid, key, jwks: { keys } };
}

/** Parsed once per isolate (and again only when the secret changes). */
export function signingKeys(env: IdentityEnv): Promise<SigningKeys> {
  const source = env.JWT_PRIVATE_KEYS ?? '';
  if (cached?.source !== source) {
    const keys = load(source);
    // A failed parse must not stay cached: the next call retries.
    keys.catch(() => {
      if (cached?.keys === keys) cached = undefined;
    });
    cached = { source, keys };
  }
  return cached.keys;
}

export async function signAccessToken(
  keys: SigningKeys,
  config: IdentityConfig,
  claims: AccessClaims,
  now_ms: number,
): Promise<string> {
  const now_s = Math.floor(now_ms / 1000);
  return new SignJWT({ roles: claims.roles, region: claims.region, sid: claims.sid })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.kid, typ: ACCESS_TOKEN_TYP })
    .setSubject(claims.sub)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt(now_s)
    .setNotBefore(now_s)
    .setExpirationTime(now_s + config.accessTtlS)
    .setJti(crypto.randomUUID())
    .sign(keys.key);
}
