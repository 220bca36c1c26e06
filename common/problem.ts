/**
 * Errors that cross a boundary. Services return expected failures as values
 * (`Result`), because Workers RPC keeps only an error's message; the gateway
 * turns them, and any `Problem` thrown in a handler, into RFC 9457
 * `application/problem+json` in one place.
 */
export const PROBLEM_BASE = 'https://meridian.dev/problems/';

export interface FieldError {
  path: string;
  message: string;
}

/** What a service says went wrong; plain data, safe to send over RPC. */
export interface ProblemSpec {
  /** Stable rule name, e.g. `quantity_must_be_positive`, `not_found`. */
  code: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  /** Seconds, for 429/503. */
  retryAfter?: number;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The one error type thrown inside the gateway and services. */
export class Problem extends Error {
  readonly spec: ProblemSpec;
  constructor(spec: ProblemSpec, options?: { cause?: unknown }) {
    super(`${spec.code}: ${spec.detail}`, options);
    this.name = 'Problem';
    this.spec = spec;
  }
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Partial<ProblemSpec> = {},
): Problem {
  return new Problem({ status, code, detail, ...extra });
}

export function toProblemBody(spec: ProblemSpec, requestId: string): ProblemBody {
  return {
    type: `${PROBLEM_BASE}${spec.code}`,
    title: TITLES[spec.status] ?? 'Error',
    status: spec.status,
    detail: spec.detail,
    requestId,
    ...(spec.errors?.length ? { errors: spec.errors } : {}),
  };
}

export function problemResponse(
  spec: ProblemSpec,
  requestId: string,
  headers?: HeadersInit,
): Response {
  const response = new Response(JSON.stringify(toProblemBody(spec, requestId)), {
    status: spec.status,
    headers,
  });
  response.headers.set('content-type', 'application/problem+json');
  if (spec.retryAfter !== undefined) response.headers.set('retry-after', String(spec.retryAfter));
  return response;
}

/** Result of an RPC call whose failures are expected (not found, conflict, …). */
export type Result<T> = { ok: true; value: T } | { ok: false; problem: ProblemSpec };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(
  status: number,
  code: string,
  detail: string,
  extra: Partial<ProblemSpec> = {},
): Result<T> => ({ ok: false, problem: { status, code, detail, ...extra } });

/** Unwraps a Result, throwing its problem so the gateway's error handler answers it. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new Problem(result.problem);
}
