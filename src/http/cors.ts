/**
 * CORS for browser clients on other origins: any origin may call the API
 * (credentials are bearer tokens or API keys, never cookies), and the
 * headers the contract defines are allowed in and readable out.
 */
import { cors } from 'hono/cors';

const REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'x-request-id',
  'traceparent',
  'x-api-key',
  'x-consistency-token',
  'x-d1-bookmark',
];

const RESPONSE_HEADERS = [
  'x-request-id',
  'etag',
  'x-cache',
  'retry-after',
  'idempotent-replayed',
  'location',
  'age',
  'allow',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'x-consistency-token',
  'x-d1-bookmark',
  'x-meridian-version',
];

/** @example app.use(apiCors()) */
export function apiCors() {
  return cors({ origin: '*', allowHeaders: REQUEST_HEADERS, exposeHeaders: RESPONSE_HEADERS });
}
