/**
 * Access-token verification: ES256 only (the algorithm is pinned, never read
 * from the token), a `kid` that names one of the configured keys, `typ`
 * at+jwt, and `iss`, `aud`, `exp`, `nbf` checked with a small clock skew;
 * `iat` no older than JWT_MAX_AGE_S (a token signed with a far `exp`, by a
 * leaked or development key, still dies at the maximum age). The claims are
 * then parsed, so a validly signed token with a malformed subject, role or
 * region is still refused. Verified tokens are remembered until they expire
 * (`./token-memo.ts`), so the signature is checked once per token and isolate.
 */
import {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_TYP,
  type AccessClaims,
  AccessClaimsSchema,
} from '@common/contracts/identity';
import { errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { verificationKeys } from './keys';
import { TokenMemo } from './token-memo';

export type TokenRejection =
  | 'token_malformed'
  | 'token_expired'
  | 'token_too_old'
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
  if (error instanceof errors.JWTExpired)
    return error.claim === 'iat' ? 'token_too_old' : 'token_expired';
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

const memo = new TokenMemo();

/** What a verification depends on besides the token: a change empties the memo. */
function settingsOf(env: GatewayEnv) {
  const skew_s = Number(env.JWT_CLOCK_SKEW_S) || 30;
  const max_age_s = Number(env.JWT_MAX_AGE_S) || 900;
  const key = [env.JWT_PUBLIC_KEYS, env.JWT_ISSUER, env.JWT_AUDIENCE, skew_s, max_age_s].join('\n');
  return { skew_s, max_age_s, key };
}

export async function verifyAccessToken(
  token: string,
  env: GatewayEnv,
  { now }: VerifyOptions = {},
): Promise<Verification> {
  if (!COMPACT_JWS.test(token)) return { ok: false, reason: 'token_malformed' };
  const settings = settingsOf(env);
  const now_ms = now?.getTime() ?? Date.now();
  const remembered = memo.get(token, settings.key, now_ms);
  if (remembered) return { ok: true, claims: remembered };
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
      clockTolerance: settings.skew_s,
      maxTokenAge: settings.max_age_s,
      requiredClaims: ['exp', 'nbf', 'iat', 'sub'],
      ...(now ? { currentDate: now } : {}),
    });
    const claims = AccessClaimsSchema.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'token_claims_invalid' };
    // jwtVerify checked both are numbers; the memo keeps the token no longer than either allows.
    const { exp = 0, iat = 0 } = payload;
    const until_s = Math.min(exp, iat + settings.max_age_s) + settings.skew_s;
    memo.set(token, settings.key, claims.data, until_s * 1000);
    return { ok: true, claims: claims.data };
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  }
}
