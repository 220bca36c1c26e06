/**
 * `X-Meridian-Version` on every response, errors and refusals included: a
 * client (or the deploy script) sees which version answered, which matters
 * while a gradual deployment serves two. First in the pipeline so nothing
 * answers without it.
 */
import { VERSION_HEADER, versionHeaderValue, workerVersion } from '@common/version';
import type { MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';

/**
 * @example app.use(versionHeader())
 */
export function versionHeader(): MiddlewareHandler<GatewayBindings> {
  return async function versionHeaderMiddleware(c, next) {
    await next();
    c.header(VERSION_HEADER, versionHeaderValue(workerVersion()));
  };
}
