/**
 * Identity RPC contracts and the access-token claims, shared by the identity
 * worker (which signs) and the gateway (which verifies).
 */
import { z } from 'zod';
import { REGIONS } from '../regions';

export const ROLES = ['customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Lower-cased and trimmed, so uniqueness does not depend on how it was typed.
 * `format: email` tells the OpenAPI document (and generated clients) what the pipe checks.
 */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: 'email must be a valid address' }))
  .meta({ format: 'email' });

/** Bounded above so a huge password cannot make hashing expensive. */
export const PasswordSchema = z
  .string()
  .min(8, 'password must have at least 8 characters')
  .max(128, 'password must have at most 128 characters');

export const CustomerIdSchema = z.string().regex(/^cus_[0-9A-HJKMNP-TV-Z]{26}$/);

/** Opaque refresh token: `rt_` + 43 base64url characters (32 random bytes). */
export const RefreshTokenSchema = z.string().regex(/^rt_[A-Za-z0-9_-]{43}$/, 'malformed token');

export const RegisterInputSchema = z.object({
  email: EmailSchema,
  password: PasswordSchema,
  name: z.string().trim().min(1).max(100).optional(),
  /** Decided by the gateway (explicit choice or the request's continent). */
  region: z.enum(REGIONS),
});
export type RegisterInput = z.infer<typeof RegisterInputSchema>;

export const LoginInputSchema = z.object({
  email: EmailSchema,
  /** Not the registration policy: any stored password must still log in. */
  password: z.string().min(1).max(128),
});
export type LoginInput = z.infer<typeof LoginInputSchema>;

export const RefreshInputSchema = z.object({ refreshToken: RefreshTokenSchema });
export type RefreshInput = z.infer<typeof RefreshInputSchema>;

export const LogoutInputSchema = z.object({
  customerId: CustomerIdSchema,
  /** The refresh family the access token was issued from (`sid` claim). */
  sessionId: z.string().min(1).max(64),
});
export type LogoutInput = z.infer<typeof LogoutInputSchema>;

export const EnsureAdminInputSchema = z.object({
  email: EmailSchema,
  password: PasswordSchema,
  region: z.enum(REGIONS).optional(),
});
export type EnsureAdminInput = z.infer<typeof EnsureAdminInputSchema>;

export interface TokenPair {
  customerId: string;
  region: (typeof REGIONS)[number];
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  tokenType: 'Bearer';
}

export interface Me {
  customerId: string;
  email: string;
  name: string | null;
  region: (typeof REGIONS)[number];
  roles: Role[];
}

/** A customer's home region, as identity tells other services (nothing personal). */
export interface CustomerRegion {
  customerId: string;
  region: (typeof REGIONS)[number];
}

export interface EnsuredAdmin {
  customerId: string;
  created: boolean;
}

/** Header `typ` of access tokens (RFC 9068), checked so no other JWT is accepted. */
export const ACCESS_TOKEN_TYP = 'at+jwt' as const;
export const ACCESS_TOKEN_ALG = 'ES256' as const;

/** The claims the gateway trusts after verifying signature, iss, aud, exp and nbf. */
export const AccessClaimsSchema = z.object({
  sub: CustomerIdSchema,
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  region: z.enum(REGIONS),
  /** Refresh family id: logout revokes it. */
  sid: z.string().min(1).max(64),
});
export type AccessClaims = z.infer<typeof AccessClaimsSchema>;

/** A public JWK as the gateway accepts it: P-256 only, with a kid, no private part. */
export const PublicJwkSchema = z
  .object({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string().min(1),
    y: z.string().min(1),
    kid: z.string().min(1).max(64),
    alg: z.literal(ACCESS_TOKEN_ALG).optional(),
    use: z.literal('sig').optional(),
  })
  .strict();
export type PublicJwk = z.infer<typeof PublicJwkSchema>;

export const PublicJwksSchema = z.object({ keys: z.array(PublicJwkSchema).min(1).max(8) });
export type PublicJwks = z.infer<typeof PublicJwksSchema>;
