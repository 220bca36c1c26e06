/**
 * Bodies: unsafe methods must send JSON (415 otherwise) no larger than the
 * configured limit (413), checked before anything reads the body.
 */

import { problem } from '@common/problem';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { GatewayBindings } from '../context';

export interface JsonBodyOptions {
  /** Fallback when the BODY_LIMIT_BYTES var is unset. */
  max_bytes?: number;
}

/**
 * @example app.use('/v1/*', jsonBody())
 */
export function jsonBody({
  max_bytes = 64 * 1024,
}: JsonBodyOptions = {}): MiddlewareHandler<GatewayBindings> {
  return async function jsonBodyMiddleware(c, next) {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'DELETE')
      return next();
    const hasBody = c.req.header('content-length') !== '0' && c.req.raw.body !== null;
    const type = c.req.header('content-type') ?? '';
    if (hasBody && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
      throw problem(415, 'unsupported_media_type', 'send the body as application/json');
    }
    const limit = Number(c.env.BODY_LIMIT_BYTES) || max_bytes;
    return bodyLimit({
      maxSize: limit,
      onError: () => {
        throw problem(413, 'body_too_large', `the body exceeds ${limit} bytes`);
      },
    })(c, next);
  };
}
