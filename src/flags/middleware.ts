/**
 * Route guards on runtime flags. `requireFlag(name)` answers 503 with
 * `Retry-After` while the flag is off for the caller, before anything else
 * of the route runs. Attach it after the access guard (the caller is known)
 * and before `idempotent()`, so a refused request neither takes nor stores
 * its Idempotency-Key: the client's retry with the same key, once the flag
 * is on again, runs.
 */
import { FLAGS, type FlagName, type FlagSubject, flagsFor } from '@common/flags';
import { problem } from '@common/problem';
import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';

export interface RequireFlagOptions {
  /** The problem's rule name. */
  code?: string;
  detail?: string;
  /** Retry-After, in seconds. */
  retryAfter_s?: number;
}

/** The subject a gateway request is judged as: its principal, and the region the flag names. */
export function flagSubject(c: Context<GatewayBindings>, name: FlagName): FlagSubject {
  const principal = c.get('principal');
  const region = FLAGS[name].region === 'home' ? c.var.homeRegion : c.var.servingRegion;
  return { ...(principal ? { key: principal.id } : {}), region };
}

/** Whether `name` is on for the request (from this isolate's cached copy). */
export function flagOnFor(c: Context<GatewayBindings>, name: FlagName): Promise<boolean> {
  return flagsFor(c.env).isOn(name, flagSubject(c, name));
}

/**
 * @example createRoute(withAccess('customer', { …, middleware: [requireFlag('x.y'), idempotent()] }))
 */
export function requireFlag(
  name: FlagName,
  {
    code = 'feature_unavailable',
    detail = `this operation is switched off (${name})`,
    retryAfter_s = 30,
  }: RequireFlagOptions = {},
): MiddlewareHandler<GatewayBindings> {
  return async function requireFlagMiddleware(c, next) {
    if (!(await flagOnFor(c, name))) {
      throw problem(503, code, detail, { retryAfter: retryAfter_s });
    }
    await next();
  };
}

/**
 * The ordering kill switch (`orders.accepting`) for `POST /v1/orders` and
 * `POST /v1/cart/checkout`: off, they answer 503 `ordering_paused`.
 *
 * @example middleware: [acceptingOrders(), idempotent()]
 */
export function acceptingOrders(): MiddlewareHandler<GatewayBindings> {
  return requireFlag('orders.accepting', {
    code: 'ordering_paused',
    detail: 'ordering is paused by the operators; nothing was placed, try again later',
    retryAfter_s: 30,
  });
}
