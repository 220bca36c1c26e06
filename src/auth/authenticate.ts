/**
 * Customer authentication (a Bearer access token, verified locally with the
 * configured public keys) and the authorization checks every route declares.
 * Operators authenticate with an API key instead (`./admin.ts`); both set
 * `principal`, which the checks read.
 */

import { problem } from '@common/problem';
import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayBindings, Principal } from '../context';
import { respondProblem } from '../http/errors';
import { verifyAccessToken } from './verify';

const BEARER = /^Bearer[ ]+(\S+)$/i;

/**
 * Sets a customer principal from `Authorization: Bearer <token>`. A token
 * that fails verification leaves the caller anonymous and records why: a
 * route that needs credentials then answers 401 with that reason, while
 * public routes still work (a client that always sends its last, expired,
 * token can still refresh or log in).
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
      c.set('authFailure', verification.reason);
      return next();
    }
    const { sub, roles, region, sid } = verification.claims;
    c.set('principal', { kind: 'customer', id: sub, roles, region, sessionId: sid });
    return next();
  };
}

/**
 * The 401 for a route that needs credentials, with `WWW-Authenticate` per
 * RFC 6750: the token's problem when one was sent, else "credentials needed".
 */
export function unauthenticated(c: Context<GatewayBindings>): Response {
  const failure = c.get('authFailure');
  const response = respondProblem(
    c,
    failure
      ? {
          status: 401,
          code: failure,
          detail:
            failure === 'token_expired'
              ? 'the access token has expired; refresh it'
              : failure === 'token_too_old'
                ? 'the access token is older than the maximum age; refresh it'
                : 'the access token is not valid',
        }
      : { status: 401, code: 'authentication_required', detail: 'this route needs credentials' },
  );
  response.headers.set(
    'www-authenticate',
    failure
      ? `Bearer realm="meridian", error="invalid_token", error_description="${failure}"`
      : 'Bearer realm="meridian"',
  );
  return response;
}

/** Refuses anonymous callers (401) and callers without the role (403). */
export function requireRole(role: string): MiddlewareHandler<GatewayBindings> {
  return async function requireRoleMiddleware(c, next) {
    const principal = c.get('principal');
    if (!principal) return unauthenticated(c);
    if (!principal.roles.includes(role))
      throw problem(403, 'role_required', `this route needs the ${role} role`);
    return next();
  };
}

/** Only customers (a JWT principal); anonymous 401. */
export function requireCustomer(): MiddlewareHandler<GatewayBindings> {
  return async function requireCustomerMiddleware(c, next) {
    const principal = c.get('principal');
    if (!principal) return unauthenticated(c);
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
