/**
 * Operator authentication by API key (`X-Api-Key`), compared in constant
 * time. An operator principal has the `admin` role.
 */

import { problem } from '@common/problem';
import type { MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';
import { unauthenticated } from './authenticate';

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
}

export async function matchesSecret(offered: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(offered), sha256(secret)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** Sets the operator principal when a valid API key is presented. */
export function apiKeyAuth(): MiddlewareHandler<GatewayBindings> {
  return async function apiKeyAuthMiddleware(c, next) {
    const offered = c.req.header('x-api-key');
    if (offered !== undefined) {
      const secret = c.env.ADMIN_API_KEY;
      if (!secret || !(await matchesSecret(offered, secret))) {
        throw problem(401, 'api_key_invalid', 'the API key is not valid');
      }
      c.set('principal', { kind: 'api-key', id: 'operator', roles: ['admin'] });
    }
    return next();
  };
}

/**
 * Only the operator API key: for actions that must not be reachable with a
 * customer token even when it carries the admin role (creating admins).
 */
export function requireOperator(): MiddlewareHandler<GatewayBindings> {
  return async function requireOperatorMiddleware(c, next) {
    const principal = c.get('principal');
    if (!principal) return unauthenticated(c);
    if (principal.kind !== 'api-key')
      throw problem(403, 'operator_required', 'this route needs the operator API key');
    return next();
  };
}
