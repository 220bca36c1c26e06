/**
 * Sandbox deposits: money from nowhere, so a developer or a test can fund an
 * account without a payment provider. On only where the deployment's config
 * says so (`SANDBOX_DEPOSITS = "enabled"`, committed for development and
 * tests), and never where `ENVIRONMENT` is `production`, whatever the var
 * says (`deploy:check --production` also refuses it). Elsewhere money enters
 * only from the provider's signed webhook or an admin credit (`src/funding/`).
 */
import { problem } from '@common/problem';
import type { MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';

export function sandboxDepositsEnabled(env: GatewayEnv): boolean {
  return env.ENVIRONMENT !== 'production' && env.SANDBOX_DEPOSITS === 'enabled';
}

/**
 * 403 `deposits_disabled` where sandbox deposits are off, before the
 * idempotency key is taken (nothing is recorded, nothing changes).
 *
 * @example createRoute(withAccess('customer', { …, middleware: [sandboxOnly(), idempotent()] }))
 */
export function sandboxOnly(): MiddlewareHandler<GatewayBindings> {
  return async function sandboxOnlyMiddleware(c, next) {
    if (!sandboxDepositsEnabled(c.env)) {
      throw problem(
        403,
        'deposits_disabled',
        'deposits are a sandbox feature, off in this deployment; fund the account through the payment provider',
      );
    }
    return next();
  };
}
