/**
 * Gives every request an id (the client's `X-Request-Id` when it has the safe
 * shape `REQUEST_ID`, else a new `req_…`; the id then flows into every log
 * line, RPC call and message envelope of the request) and a
 * W3C `traceparent` (continuing the caller's trace), a logger that carries
 * both, and one access-log line when the response is ready (sampled by
 * ACCESS_LOG_SAMPLE_RATE; always written for a 5xx).
 */

import { newId } from '@common/ids';
import { createLogger } from '@common/log';
import { REQUEST_ID } from '@common/rpc';
import { childTraceparent, parseTraceparent } from '@common/trace';
import type { MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';

export interface RequestContextOptions {
  service?: string;
}

/**
 * @example app.use(requestContext())
 */
export function requestContext({
  service = 'gateway',
}: RequestContextOptions = {}): MiddlewareHandler<GatewayBindings> {
  return async function requestContextMiddleware(c, next) {
    const offered = c.req.header('x-request-id');
    const requestId = offered && REQUEST_ID.test(offered) ? offered : newId('req');
    const traceparent = childTraceparent(parseTraceparent(c.req.header('traceparent')));
    const log = createLogger({ service, requestId, traceparent });
    c.set('requestId', requestId);
    c.set('traceparent', traceparent);
    c.set('log', log);
    const started = Date.now();
    await next();
    c.header('x-request-id', requestId);
    c.header('traceparent', traceparent);
    log.access('http.request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Date.now() - started,
    });
  };
}
