/**
 * Customer authentication (a Bearer access token, verified locally with the
 * configured public keys) and the authorization checks every route declares.
 * Operators authenticate with an API key instead (`./admin.ts`); both set
 * `principal`, which the checks read.
 */

import { problem } from '@common/problem';
import type { Context, MiddlewareHandler } from 'hono';
import { verifyAccessToken } from '../auth/verify';
import type { GatewayBindings, Principal } from '../context';
import { respondProblem } from './errors';

const BEARER = /^Bearer[ ]+(\S+)$/i;

/**
 * Sets a customer principal from `Authorization: Bearer <token>`; anonymous
 * when there is no Authorization header. A header that is present but wrong
 * is a 401 (never silently anonymous), with `WWW-Authenticate` per RFC 6750.
 *
 * @example app.use(authenticate())
 */
export function authenticate(): MiddlewareHandler<GatewayBindings> {
  return async function authenticateMiddleware(c, next) {
    const header = c.req.header('authorization');
    if (header === undefined) return next();
    if (c.get('principal')) {
      throw problem(400, 'credentials_ambiguous', 'send either an API key or a bearer token');
    }
    const token = BEARER.exec(header)?.[1];
    const verification = token
      ? await verifyAccessToken(token, c.env)
      : ({ ok: false, reason: 'authorization_scheme_unsupported' } as const);
    if (!verification.ok) {
      c.get('log').info('auth.token_refused', { reason: verification.reason });
      const expired = verification.reason === 'token_expired';
      const response = respondProblem(c, {
        status: 401,
        code: verification.reason,
        detail: expired
          ? 'the access token has expired; refresh it'
          : 'the access token is not valid',
      });
      response.headers.set(
        'www-authenticate',
        `Bearer error="invalid_token", error_description="${verification.reason}"`,
      );
      return response;
    }
    const { sub, roles, region, sid } = verification.claims;
    c.set('principal', { kind: 'customer', id: sub, roles, region, sessionId: sid });
    return next();
  };
}

/** Refuses anonymous callers (401) and callers without the role (403). */
export function requireRole(role: string): MiddlewareHandler<GatewayBindings> {
  return async function requireRoleMiddleware(c, next) {
    const principal = c.get('principal');
    if (!principal) throw problem(401, 'authentication_required', 'this route needs credentials');
    if (!principal.roles.includes(role))
      throw problem(403, 'role_required', `this route needs the ${role} role`);
    return next();
  };
}

/** Only customers (a JWT principal); anonymous 401. */
export function requireCustomer(): MiddlewareHandler<GatewayBindings> {
  return async function requireCustomerMiddleware(c, next) {
    const principal = c.get('principal');
    if (!principal) throw problem(401, 'authentication_required', 'this route needs credentials');
    if (principal.kind !== 'customer')
      throw problem(403, 'customer_required', 'this route is for customers');
    return next();
  };
}

/** The authenticated principal; only call behind requireRole/requireCustomer. */
export function principalOf(c: Context<GatewayBindings>): Principal {
  const principal = c.get('principal');
  if (!principal) throw problem(401, 'authentication_required', 'this route needs credentials');
  return principal;
}

export interface OwnershipOptions {
  /** Whether an admin may read resources that are not theirs. */
  adminMayAccess?: boolean;
  /** The resource's name in the 404 detail. */
  what?: string;
}

/**
 * Asserts the caller owns a resource. Another customer's resource is a 404,
 * exactly like a missing one, so ids cannot be probed for existence.
 *
 * @example assertOwner(c, order.customerId, { adminMayAccess: true, what: 'order' })
 */
export function assertOwner(
  c: Context<GatewayBindings>,
  ownerId: string,
  { adminMayAccess = false, what = 'resource' }: OwnershipOptions = {},
): void {
  const principal = principalOf(c);
  if (principal.kind === 'customer' && principal.id === ownerId) return;
  if (adminMayAccess && principal.roles.includes('admin')) return;
  throw problem(404, `${what}_not_found`, `no such ${what}`);
}
