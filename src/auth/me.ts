/** The caller's own account, fresh from identity (roles and region as stored now). */

import { ROLES } from '@common/contracts/identity';
import { unwrap } from '@common/problem';
import { REGIONS } from '@common/regions';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { callUpstream } from '../upstream/upstream';
import { withAccess } from './access';
import { principalOf } from './authenticate';

const MeSchema = z
  .object({
    customerId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    region: z.enum(REGIONS),
    roles: z.array(z.enum(ROLES)),
  })
  .openapi('Me');

export const me = new OpenAPIHono<GatewayBindings>();

me.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/me',
      tags: ['identity'],
      summary: 'The authenticated customer: id, email, home region and roles.',
      responses: {
        200: { description: 'the customer', content: { 'application/json': { schema: MeSchema } } },
        ...problemResponses(401, 403, 404, 429, 503),
      },
    }),
  ),
  async (c) => {
    const { id } = principalOf(c);
    const account = unwrap(
      await callUpstream('identity', () => c.env.IDENTITY.me(id), { log: c.get('log') }),
    );
    c.header('cache-control', 'private, no-store');
    return c.json(account, 200);
  },
);
