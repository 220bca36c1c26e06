/** Identity's configuration, read once per isolate from its vars and secrets. */
import { type Argon2Params, assertArgon2Params } from './password';

export interface IdentityConfig {
  issuer: string;
  audience: string;
  accessTtlS: number;
  refreshTtlS: number;
  /** argon2id parameters of new hashes (and of hashes upgraded at login). */
  argon2: Argon2Params;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function identityConfig(env: IdentityEnv): IdentityConfig {
  const argon2 = {
    memory_kib: positiveInt(env.PASSWORD_ARGON2_MEMORY_KIB, 19_456),
    passes: positiveInt(env.PASSWORD_ARGON2_PASSES, 2),
  };
  // Out-of-bounds parameters fail here, in every environment, not at the
  // first login in production.
  assertArgon2Params(argon2);
  if (!env.JWT_ISSUER || !env.JWT_AUDIENCE)
    throw new Error('JWT_ISSUER and JWT_AUDIENCE must be set');
  return {
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTtlS: positiveInt(env.ACCESS_TOKEN_TTL_S, 900),
    refreshTtlS: positiveInt(env.REFRESH_TOKEN_TTL_S, 30 * 24 * 3600),
    argon2,
  };
}
