/**
 * Where a customer named in a request lives: money for them must land in
 * their home region's ledger, whichever edge the request arrived at. Their
 * region is identity's record of them (found in whichever region holds them).
 */
import { CustomerIdSchema } from '@common/contracts/payments';
import { problem, unwrap } from '@common/problem';
import type { Region } from '@common/regions';
import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';
import { callUpstream } from '../upstream/upstream';

/** The home region of `customerId`: 404 `customer_not_found` for an id that is no customer. */
export async function customerHome(
  c: Context<GatewayBindings>,
  customerId: string,
): Promise<Region> {
  const found = await callUpstream('identity', () => c.env.IDENTITY.me(customerId), {
    idempotent: true,
  });
  if (!found.ok && found.problem.status === 404)
    throw problem(404, 'customer_not_found', `no customer ${customerId}`);
  return unwrap(found).region;
}

/**
 * For operator routes on one customer's account (`…/{customerId}/…`): the
 * request is served in that customer's home region, so what it stores for
 * them (its idempotency record) stays there, as their own requests' do.
 *
 * @example createRoute(withAccess('admin', { …, middleware: [servedInCustomerHome(), idempotent()] }))
 */
export function servedInCustomerHome(): MiddlewareHandler<GatewayBindings> {
  return async function servedInCustomerHomeMiddleware(c, next) {
    const id = CustomerIdSchema.safeParse(c.req.param('customerId'));
    if (!id.success) throw problem(400, 'customer_id_invalid', 'not a customer id');
    c.set('homeRegion', await customerHome(c, id.data));
    return next();
  };
}
