/**
 * `Idempotency-Key` for unsafe routes. Attach after the route's access guard
 * (the key is scoped to the caller) and before validation:
 *
 *   createRoute(withAccess('customer', { …, middleware: [idempotent()] }))
 *
 * The first request with a key runs and its response (status, the headers
 * that matter, body) is stored for the retention; a replay gets that response
 * with `Idempotent-Replayed: true`; a duplicate while the first is in flight
 * gets 409; the same key with another body 422; no key 400 (unless optional).
 * Responses that say nothing about the operation's outcome (400, 401, 403,
 * 413, 415, 429, 5xx) are not stored: the key is released so a retry runs.
 * Handlers should pass `c.get('idempotency').operationId` downstream, so an
 * effect applies once even if the gateway dies between effect and record.
 */

import { errorMessage } from '@common/log';
import { problem } from '@common/problem';
import { type Region, regionalStub } from '@common/regions';
import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';
import { markIdempotent } from '../http/contract';
import { callerKey } from '../ratelimit/middleware';
import { callUpstream } from '../upstream/upstream';
import type { IdempotencyRecord, StoredResponse } from './record';

export interface IdempotentOptions {
  /** Refuse requests without a key (400). Default true. */
  required?: boolean;
  /** Response headers stored and replayed besides the body. */
  replayHeaders?: readonly string[];
}

const DEFAULT_REPLAY_HEADERS = [
  'content-type',
  'location',
  'etag',
  'last-modified',
  'cache-control',
  'content-location',
] as const;
const KEY = /^[\x21-\x7e]{1,200}$/;
const RETENTION_S_MIN = 24 * 3600;
const STORED_BODY_MAX_BYTES = 1024 * 1024;
/** Statuses that record an outcome of the operation; anything else releases the key. */
const storable = (status: number) => status < 400 || [404, 409, 410, 422].includes(status);

type Ctx = Context<GatewayBindings>;

export function idempotencyConfig(env: GatewayEnv) {
  const retention_s = Math.max(RETENTION_S_MIN, Number(env.IDEMPOTENCY_RETENTION_S) || 0);
  const lock_s = Math.min(600, Math.max(5, Number(env.IDEMPOTENCY_LOCK_S) || 60));
  return { retention_ms: retention_s * 1000, lock_ms: lock_s * 1000 };
}

/** JSON with sorted keys, so formatting and key order do not change the fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

async function fingerprintOf(c: Ctx): Promise<string> {
  const text = await c.req.text();
  let body = text;
  try {
    body = canonical(JSON.parse(text));
  } catch {
    // Not JSON: the raw text is the fingerprint (validation will refuse it).
  }
  const { pathname, search } = new URL(c.req.url);
  const data = new TextEncoder().encode(`${c.req.method} ${pathname}${search}\n${body}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The record of `key` for the caller `scope`, placed in `region`. */
export function idempotencyRecord(
  env: GatewayEnv,
  region: Region,
  scope: string,
  key: string,
): DurableObjectStub<IdempotencyRecord> {
  return regionalStub(env.IDEMPOTENCY, region, `idem:${scope}\n${key}`);
}

/** A customer's record lives in their home region: it holds their response data. */
function recordFor(c: Ctx, scope: string, key: string): DurableObjectStub<IdempotencyRecord> {
  return idempotencyRecord(c.env, c.var.homeRegion, scope, key);
}

function replay(response: StoredResponse): Response {
  const headers = new Headers(response.headers);
  headers.set('idempotent-replayed', 'true');
  const empty = response.status === 204 || response.status === 304;
  return new Response(empty ? null : response.body, { status: response.status, headers });
}

async function settle(
  c: Ctx,
  record: DurableObjectStub<IdempotencyRecord>,
  token: string,
  replayHeaders: readonly string[],
): Promise<void> {
  const log = c.get('log');
  try {
    const res = c.res;
    const body = storable(res.status) ? await res.clone().arrayBuffer() : undefined;
    if (!body || body.byteLength > STORED_BODY_MAX_BYTES) {
      if (body) log.warn('idempotency.response_too_large', { bytes: body.byteLength });
      await record.abort(token);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of replayHeaders) {
      const value = res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    if (!(await record.complete(token, { status: res.status, headers, body }))) {
      log.warn('idempotency.lock_lost', {});
    }
  } catch (error) {
    // The response still goes out; a retry after the lock lapses runs again,
    // which is why handlers pass the operation id downstream.
    log.error('idempotency.settle_failed', { error: errorMessage(error) });
  }
}

/**
 * @example createRoute(withAccess('customer', { …, middleware: [idempotent()] }))
 */
export function idempotent({
  required = true,
  replayHeaders = DEFAULT_REPLAY_HEADERS,
}: IdempotentOptions = {}): MiddlewareHandler<GatewayBindings> {
  return markIdempotent(
    async function idempotentMiddleware(c, next) {
      const key = c.req.header('idempotency-key');
      if (key === undefined) {
        if (required)
          throw problem(400, 'idempotency_key_required', 'send an Idempotency-Key header');
        return next();
      }
      if (!KEY.test(key)) {
        throw problem(
          400,
          'idempotency_key_invalid',
          'Idempotency-Key must be 1-200 visible ASCII characters',
        );
      }
      const scope = callerKey(c);
      const fingerprint = await fingerprintOf(c);
      const record = recordFor(c, scope, key);
      const { lock_ms, retention_ms } = idempotencyConfig(c.env);
      const begun = await callUpstream(
        'idempotency',
        () => record.begin(fingerprint, lock_ms, retention_ms),
        { log: c.get('log') },
      );
      if (begun.kind === 'replay') return replay(begun.response);
      if (begun.kind === 'in_flight') {
        throw problem(
          409,
          'idempotency_key_in_flight',
          'a request with this Idempotency-Key is still in progress',
          { retryAfter: 1 },
        );
      }
      if (begun.kind === 'mismatch') {
        throw problem(
          422,
          'idempotency_key_reused',
          'this Idempotency-Key was used with a different request',
        );
      }
      c.set('idempotency', {
        key,
        scope,
        operationId: `${scope}:${key}`,
        startedAt: begun.startedAt,
      });
      try {
        await next();
      } catch (error) {
        await record.abort(begun.token).catch(() => undefined);
        throw error;
      }
      await settle(c, record, begun.token, replayHeaders);
    },
    { required },
  );
}
