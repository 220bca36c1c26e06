/**
 * What the gateway pipeline adds to every route's contract, derived once
 * from what the route already declares instead of being repeated by hand:
 * `withAccess` calls `completeContract` for every route, so each one lists
 * every status the shared stages can answer for it and the headers they
 * send, and an (idem) route declares its Idempotency-Key parameter.
 *
 * | stage (app.ts)            | statuses               | headers                          |
 * |---------------------------|------------------------|----------------------------------|
 * | request context           | —                      | X-Request-Id, traceparent (all)  |
 * | shed (not health/admin)   | 503                    | Retry-After                      |
 * | JSON body (POST/PUT/PATCH)| 413, 415               |                                  |
 * | API key, bearer, region   | 400, 401               | WWW-Authenticate on 401          |
 * | rate limit (not health)   | 429                    | RateLimit-* (all), Retry-After   |
 * | access guard (not public) | 401, 403               |                                  |
 * | idempotent()              | 400, 409, 422, 503     | Idempotent-Replayed, Retry-After |
 * | validation                | 400                    |                                  |
 *
 * A route's own statuses (404, 409, …) and headers (Location, ETag, the
 * consistency token) stay declared where the route sets them; what it
 * declares wins over what is added here. Unexpected statuses (a 500 is a
 * bug) are the `default` problem response.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import { isHealthPath } from '../ratelimit/middleware';
import { isNeverShed } from '../upstream/shed';
import {
  documentedHeaders,
  problemResponse,
  type ResponseHeader,
  STATUS_MEANINGS,
} from './openapi';

export interface IdempotencyDoc {
  required: boolean;
}

const IDEMPOTENCY = Symbol.for('meridian.idempotency');

/** Marks a middleware as `idempotent()`, so the route's contract declares the key. */
export function markIdempotent<M extends object>(middleware: M, doc: IdempotencyDoc): M {
  return Object.assign(middleware, { [IDEMPOTENCY]: doc });
}

function idempotencyOf(middleware: unknown): IdempotencyDoc | undefined {
  const list = Array.isArray(middleware) ? middleware : [middleware];
  for (const m of list) {
    const doc: unknown = m ? Reflect.get(m, IDEMPOTENCY) : undefined;
    if (doc) return doc as IdempotencyDoc;
  }
  return undefined;
}

const IDEMPOTENCY_KEY_PARAMETER = (required: boolean) => ({
  name: 'Idempotency-Key',
  in: 'header' as const,
  required,
  description: required
    ? 'Required. A retry with the same key gets the first response (Idempotent-Replayed: true); the same key with another body is 422; while the first is in flight, 409. Kept at least 24 hours, per caller.'
    : 'Optional. With a key the request applies once per key (a retry gets the first response, Idempotent-Replayed: true).',
  schema: { type: 'string' as const, minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
});

/** Statuses a stored idempotent response can have (replays carry Idempotent-Replayed). */
const replayable = (status: number) => status < 400 || [404, 409, 410, 422].includes(status);

interface Stages {
  access: string;
  method: string;
  path: string;
  idempotency: IdempotencyDoc | undefined;
}

/** The problem statuses the shared stages can answer on this route. */
function pipelineStatuses({ access, method, path, idempotency }: Stages): number[] {
  const statuses = [400, 401];
  if (access !== 'public') statuses.push(403);
  if (['post', 'put', 'patch'].includes(method)) statuses.push(413, 415);
  if (!isHealthPath(path)) statuses.push(429);
  if (!isNeverShed(path)) statuses.push(503);
  if (idempotency) statuses.push(409, 422, 503);
  return [...new Set(statuses)];
}

/** The headers the shared stages send on a response of this status. */
function pipelineHeaders(status: number, { path, idempotency }: Stages): ResponseHeader[] {
  const names: ResponseHeader[] = ['X-Request-Id', 'Traceparent'];
  if (!isHealthPath(path)) names.push('RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset');
  if (status === 429 || status === 503 || (idempotency && status === 409))
    names.push('Retry-After');
  if (status === 401) names.push('WWW-Authenticate');
  if (idempotency && replayable(status)) names.push('Idempotent-Replayed');
  return names;
}

type Responses = RouteConfig['responses'];
type ResponseEntry = Responses[string];

/** Adds headers the response does not declare yet (names compare case-insensitively). */
function withHeaders(response: ResponseEntry, names: ResponseHeader[]): ResponseEntry {
  if ('$ref' in response) return response;
  const declared = (response.headers ?? {}) as Record<string, unknown>;
  const known = new Set(Object.keys(declared).map((k) => k.toLowerCase()));
  const added = documentedHeaders(...names.filter((n) => !known.has(n.toLowerCase())));
  return { ...response, headers: { ...declared, ...added } } as ResponseEntry;
}

/** A declared error response also says it can be problem+json when the pipeline answers it. */
function withProblemContent(response: ResponseEntry, status: number): ResponseEntry {
  if ('$ref' in response) return response;
  const content = response.content ?? {};
  if ('application/problem+json' in content) return response;
  return { ...response, content: { ...content, ...problemResponse(status).content } };
}

/**
 * A stable operation id from the method and path, for generated clients'
 * method names: `GET /v1/orders/{id}` → `getOrdersById`.
 */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment && segment !== 'v1')
    .flatMap((segment) => {
      const param = /^\{(.+)\}$/.exec(segment)?.[1];
      return param ? ['by', param] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1));
  return method.toLowerCase() + words.join('');
}

/** The route with every pipeline status, header and parameter declared. */
export function completeContract<R extends RouteConfig>(access: string, route: R): R {
  const idempotency = idempotencyOf(route.middleware);
  const stages: Stages = { access, method: route.method, path: route.path, idempotency };
  const responses: Responses = { ...route.responses };
  for (const status of pipelineStatuses(stages)) {
    const declared = responses[status];
    responses[status] = declared
      ? withProblemContent(declared, status)
      : problemResponse(status, STATUS_MEANINGS[status]);
  }
  responses.default ??= problemResponse(500, 'unexpected error (a bug: it is logged)');
  for (const [status, response] of Object.entries(responses)) {
    responses[status] = withHeaders(response, pipelineHeaders(Number(status), stages));
  }
  const parameters = idempotency
    ? [...(route.parameters ?? []), IDEMPOTENCY_KEY_PARAMETER(idempotency.required)]
    : route.parameters;
  const operationId = route.operationId ?? operationIdOf(route.method, route.path);
  return { ...route, operationId, responses, ...(parameters ? { parameters } : {}) };
}
