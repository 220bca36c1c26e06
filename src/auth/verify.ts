/**
 * Access-token verification: ES256 only (the algorithm is pinned, never read
 * from the token), a `kid` that names one of the configured keys, `typ`
 * at+jwt, and `iss`, `aud`, `exp`, `nbf` checked with a small clock skew.
 * The claims are then parsed, so a validly signed token with a malformed
 * subject, role or region is still refused.
 */
import {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_TYP,
  type AccessClaims,
  AccessClaimsSchema,
} from '@common/contracts/identity';
import { errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { verificationKeys } from './keys';

export type TokenRejection =
  | 'token_malformed'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_claims_invalid'
  | 'token_key_unknown'
  | 'token_signature_invalid'
  | 'token_algorithm_refused';

export type Verification =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: TokenRejection };

/** Compact JWS: three base64url segments, bounded in size. */
const COMPACT_JWS = /^[A-Za-z0-9_-]{2,2048}\.[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{0,1024}$/;

function reasonOf(error: unknown): TokenRejection {
  if (error instanceof errors.JWTExpired) return 'token_expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' ? 'token_not_yet_valid' : 'token_claims_invalid';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token_algorithm_refused';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token_key_unknown';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token_signature_invalid';
  return 'token_malformed';
}

export interface VerifyOptions {
  /** Verification time; tests move it. */
  now?: Date;
}

export async function verifyAccessToken(
  token: string,
  env: GatewayEnv,
  { now }: VerifyOptions = {},
): Promise<Verification> {
  if (!COMPACT_JWS.test(token)) return { ok: false, reason: 'token_malformed' };
  const { byKid } = await verificationKeys(env);
  const getKey: JWTVerifyGetKey<CryptoKey> = (header) => {
    const key = header.kid === undefined ? undefined : byKid.get(header.kid);
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key;
  };
  try {
    const { payload } = await jwtVerify(token, getKey, {
      algorithms: [ACCESS_TOKEN_ALG],
      typ: ACCESS_TOKEN_TYP,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      clockTolerance: Number(env.JWT_CLOCK_SKEW_S) || 30,
      requiredClaims: ['exp', 'nbf', 'iat', 'sub'],
      ...(now ? { currentDate: now } : {}),
    });
    const claims = AccessClaimsSchema.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'token_claims_invalid' };
    return { ok: true, claims: claims.data };
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  }
}
