/**
 * Authorization checks every route declares. Authentication middlewares
 * (API key for operators, JWT for customers) set `principal`; these read it.
 */

import { problem } from '@common/problem';
import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayBindings, Principal } from '../context';

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
