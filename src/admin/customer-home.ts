/**
 * The home region of a customer an operator names, from identity (the
 * store of record of where each customer lives): admin views of data kept
 * only in a customer's home region start here.
 */

import { unwrap } from '@common/problem';
import type { Region } from '@common/regions';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';
import { callUpstream } from '../upstream/upstream';

export const CustomerIdParam = z.object({
  customerId: z.string().regex(/^cus_[0-9A-Z]{26}$/, 'not a customer id'),
});

/** 404 `customer_not_found` when identity has no such customer. */
export async function customerHome(
  c: Context<GatewayBindings>,
  customerId: string,
): Promise<Region> {
  const me = unwrap(
    await callUpstream('identity', () => c.env.IDENTITY.me(customerId), { idempotent: true }),
  );
  return me.region;
}
