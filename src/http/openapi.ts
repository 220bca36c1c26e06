/**
 * The pieces of the OpenAPI document every route shares, declared once: the
 * problem+json response, what each status means, and the response headers
 * the gateway sends (as `components.headers`, referenced by name). Entity
 * schemas (money, products, orders, …) come from `common/contracts/`, the
 * one definition both the gateway and the services use. `contract.ts`
 * completes each route with what the pipeline adds to it.
 */

import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

/** What each problem status means anywhere in the API; a route may say more. */
export const STATUS_MEANINGS: Record<number, string> = {
  400: 'invalid input: a field (`errors` lists each), a missing or malformed Idempotency-Key, both an API key and a bearer token, or an unknown X-Meridian-Region (development and tests only)',
  401: 'no credentials where the route needs them, or credentials that are not valid (a wrong X-Api-Key is refused on every route)',
  403: 'the credentials do not carry the access level this route needs',
  404: 'not found (also another customer’s resource)',
  409: 'conflict with the current state',
  412: 'a precondition (If-Match) does not hold',
  413: 'the body exceeds the size limit',
  415: 'the body is not application/json',
  422: 'this Idempotency-Key was used with another request',
  429: 'rate limited: retry after Retry-After seconds',
  503: 'overloaded, or a service it needs is unavailable: retry after Retry-After seconds',
};

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

export const problemResponse = (status: number, description = STATUS_MEANINGS[status]) => ({
  description: description ?? `problem (${status})`,
  content: problemContent,
});

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, problemResponse(status)]));

/** The D1 read session bookmark a read-model route takes (common/d1-session.ts); it answers with X-D1-Bookmark. */
export const BookmarkHeaders = z.object({
  'x-d1-bookmark': z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, 'not a bookmark')
    .optional()
    .openapi({
      description:
        'The X-D1-Bookmark of a previous answer: this read sees at least what that one saw, whichever replica serves it.',
    }),
});

/** Every response header the gateway sends, by its canonical name. */
export const RESPONSE_HEADERS = {
  'X-Request-Id':
    'The request id (the client’s own X-Request-Id when it is sane); problem bodies and logs carry it too.',
  Traceparent: 'W3C trace context of this request.',
  Location: 'Where the created or accepted resource is read.',
  ETag: 'Strong validator of the representation; send it back as If-None-Match (reads) or If-Match (writes).',
  'X-Consistency-Token':
    'The ledger version after this request; pass it to a later read (header or minVersion) to read your own writes.',
  'Idempotent-Replayed':
    '`true` when this is the stored response of an earlier request with the same Idempotency-Key.',
  'RateLimit-Limit': 'Requests allowed by the tightest limit consulted.',
  'RateLimit-Remaining': 'Requests left under that limit.',
  'RateLimit-Reset': 'Seconds until that limit is fully restored.',
  'Retry-After': 'Seconds to wait before retrying.',
  'WWW-Authenticate':
    'The authentication scheme (RFC 6750), and why a presented token was refused.',
  'X-D1-Bookmark':
    "The read session's bookmark (D1 read replication): send it with the next read to read at least this fresh.",
} as const;
export type ResponseHeader = keyof typeof RESPONSE_HEADERS;

const INTEGER_HEADERS: readonly ResponseHeader[] = [
  'X-Consistency-Token',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
];

/** The `components.headers` entries (registered by docs/routes.ts). */
export function headerComponents() {
  return Object.entries(RESPONSE_HEADERS).map(([name, description]) => ({
    name,
    header: {
      description,
      schema: INTEGER_HEADERS.includes(name as ResponseHeader)
        ? { type: 'integer' as const, minimum: 0 }
        : { type: 'string' as const },
    },
  }));
}

/**
 * A response's `headers`, as references to the shared definitions.
 *
 * @example responses: { 201: { description, headers: documentedHeaders('Location', 'ETag'), content } }
 */
export function documentedHeaders(...names: ResponseHeader[]): Record<string, { $ref: string }> {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}
