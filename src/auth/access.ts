/**
 * Every route declares who may call it, once, where the route is defined:
 * `withAccess(level, route)` adds the guard that enforces it (before the
 * route's own middleware and validation) and the OpenAPI `security` that
 * documents it, plus `x-access` for /docs and the access-matrix test.
 *
 * | level    | anonymous | customer | admin (JWT role) | operator (API key) |
 * |----------|-----------|----------|------------------|--------------------|
 * | public   | yes       | yes      | yes              | yes                |
 * | customer | 401       | yes      | yes              | 403                |
 * | owner    | 401       | yes      | yes              | yes                |
 * | admin    | 401       | 403      | yes              | yes                |
 * | operator | 401       | 403      | 403              | yes                |
 *
 * "customer" means a customer's own resources: handlers scope by the
 * principal's id and answer 404 for anyone else's (`assertOwner`). "owner"
 * is a customer's own resource that admins and operators may also read
 * (an order): the handler scopes customers, and lets the admin role through.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';
import { completeContract } from '../http/contract';
import { requireOperator } from './api-key';
import { requireCustomer, requireRole, unauthenticated } from './authenticate';

export const ACCESS_LEVELS = ['public', 'customer', 'owner', 'admin', 'operator'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** OpenAPI security scheme names; registered in app.ts. */
export const BEARER_SCHEME = 'bearerAuth';
export const API_KEY_SCHEME = 'apiKey';

const SECURITY: Record<AccessLevel, Record<string, string[]>[]> = {
  public: [],
  customer: [{ [BEARER_SCHEME]: [] }],
  owner: [{ [BEARER_SCHEME]: [] }, { [API_KEY_SCHEME]: [] }],
  admin: [{ [BEARER_SCHEME]: [] }, { [API_KEY_SCHEME]: [] }],
  operator: [{ [API_KEY_SCHEME]: [] }],
};

function guard(level: AccessLevel): MiddlewareHandler<GatewayBindings>[] {
  switch (level) {
    case 'public':
      return [];
    case 'customer':
      return [requireCustomer()];
    case 'owner':
      return [requirePrincipal()];
    case 'admin':
      return [requireRole('admin')];
    case 'operator':
      return [requireOperator()];
  }
}

/** Anyone with credentials (a customer's token or the operator key); anonymous 401. */
function requirePrincipal(): MiddlewareHandler<GatewayBindings> {
  return async function requirePrincipalMiddleware(c, next) {
    if (!c.get('principal')) return unauthenticated(c);
    return next();
  };
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * The route with its access guard, its `security` and `x-access`, and the
 * statuses, headers and parameters the pipeline adds (`http/contract.ts`).
 *
 * @example
 * app.openapi(createRoute(withAccess('admin', { method: 'post', path: '/v1/x', … })), handler)
 */
export function withAccess<R extends RouteConfig>(level: AccessLevel, route: R): R {
  // The contract is completed from the route as written (its own middleware says if it is idem).
  return {
    ...completeContract(level, route),
    security: SECURITY[level],
    'x-access': level,
    middleware: [...guard(level), ...asArray(route.middleware)],
  };
}
