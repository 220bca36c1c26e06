/**
 * The one place where anything thrown in the gateway becomes a response:
 * `Problem`s keep their status and rule name; Hono's HTTP exceptions keep
 * their status; anything else is a 500 whose details go to the log only.
 * A request no route serves is a 404, or a 405 with `Allow` when its path
 * is served under other methods.
 */

import { errorMessage } from '@common/log';
import { Problem, type ProblemSpec, problemResponse } from '@common/problem';
import type { Hook } from '@hono/zod-openapi';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { METHOD_NAME_ALL } from 'hono/router';
import { PatternRouter } from 'hono/router/pattern-router';
import { ZodError } from 'zod';
import type { GatewayBindings } from '../context';

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
};

export function zodProblem(error: ZodError): ProblemSpec {
  return {
    status: 400,
    code: 'validation_failed',
    detail: 'the request is not valid; see errors',
    errors: error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    })),
  };
}

function specOf(error: unknown): ProblemSpec {
  if (error instanceof Problem) return error.spec;
  if (error instanceof ZodError) return zodProblem(error);
  if (error instanceof HTTPException) {
    const status = error.status;
    return {
      status,
      code: HTTP_CODES[status] ?? 'http_error',
      detail: error.message || 'request refused',
    };
  }
  return {
    status: 500,
    code: 'internal',
    detail: 'an unexpected error occurred; it has been logged',
  };
}

export function respondProblem(c: Context<GatewayBindings>, spec: ProblemSpec): Response {
  const requestId = c.get('requestId') ?? 'unknown';
  return problemResponse(spec, requestId, { 'x-request-id': requestId });
}

/** OpenAPIHono's hook for a request that fails its route's schemas: a 400 with field errors. */
export const validationHook: Hook<unknown, GatewayBindings, string, unknown> = (result, c) => {
  if (!result.success) return respondProblem(c, zodProblem(result.error));
};

export const onError: ErrorHandler<GatewayBindings> = function onError(error, c) {
  const spec = specOf(error);
  if (spec.status >= 500) {
    c.get('log')?.error('http.unhandled_error', { error: errorMessage(error), path: c.req.path });
  }
  return respondProblem(c, spec);
};

export const notFound: NotFoundHandler<GatewayBindings> = function notFound(c) {
  return respondProblem(c, {
    status: 404,
    code: 'route_not_found',
    detail: `no route for ${c.req.method} ${c.req.path}`,
  });
};

/** A route as `app.routes` lists it (the part this module reads). */
interface KnownRoute {
  method: string;
  path: string;
}

const ALLOW_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The methods each known path is served under, from the app's routes (built once). */
function methodIndex(routes: readonly KnownRoute[]) {
  const router = new PatternRouter<string>();
  const methods = new Set<string>();
  for (const { method, path } of routes) {
    // Middleware is registered for every method ("ALL"); only routes say what a path serves.
    if (method === METHOD_NAME_ALL) continue;
    router.add(method, path, path);
    methods.add(method);
  }
  return (path: string): string[] => {
    const served = new Set([...methods].filter((m) => router.match(m, path)[0].length > 0));
    if (served.size === 0) return [];
    // GET routes answer HEAD; CORS answers OPTIONS (preflight) on every path.
    if (served.has('GET')) served.add('HEAD');
    served.add('OPTIONS');
    return ALLOW_ORDER.filter((m) => served.has(m));
  };
}

/**
 * `notFound` for the whole app: a known path called with a method it does
 * not serve is 405 with `Allow` (RFC 9110 §15.5.6); anything else is 404.
 * Reads the app's routes at the first unmatched request, after every
 * feature is mounted.
 *
 * @example app.notFound(routeNotFound(app))
 */
export function routeNotFound(app: {
  routes: readonly KnownRoute[];
}): NotFoundHandler<GatewayBindings> {
  let allowed: ((path: string) => string[]) | undefined;
  return function routeNotFoundHandler(c) {
    allowed ??= methodIndex(app.routes);
    const allow = allowed(c.req.path);
    if (allow.length === 0) return notFound(c);
    const response = respondProblem(c, {
      status: 405,
      code: 'method_not_allowed',
      detail: `${c.req.method} is not served at ${c.req.path}; allowed: ${allow.join(', ')}`,
    });
    response.headers.set('allow', allow.join(', '));
    return response;
  };
}
