/** Identity's configuration, read once per isolate from its vars and secrets. */
import { assertIterations } from './password';

export interface IdentityConfig {
  issuer: string;
  audience: string;
  accessTtlS: number;
  refreshTtlS: number;
  pbkdf2Iterations: number;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function identityConfig(env: IdentityEnv): IdentityConfig {
  const pbkdf2Iterations = positiveInt(env.PBKDF2_ITERATIONS, 100_000);
  // A count Workers would refuse must fail here, in every environment, not
  // only in production where workerd enforces the cap.
  assertIterations(pbkdf2Iterations);
  if (!env.JWT_ISSUER || !env.JWT_AUDIENCE)
    throw new Error('JWT_ISSUER and JWT_AUDIENCE must be set');
  return {
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTtlS: positiveInt(env.ACCESS_TOKEN_TTL_S, 900),
    refreshTtlS: positiveInt(env.REFRESH_TOKEN_TTL_S, 30 * 24 * 3600),
    pbkdf2Iterations,
  };
}
