/**
 * Admin credits: the one way an operator puts money into a customer's
 * account. Each credit needs a reason, and the ledger event records who
 * credited (`operator`, or `admin:<customerId>` for an admin's token) and
 * why, so operators can audit every entry of money (`GET …/credits`, read at
 * the ledger: provider top-ups, admin credits and sandbox deposits alike).
 * Both routes are served in the customer's home region.
 */
import { MoneySchema } from '@common/contracts/catalog';
import {
  AmountSchema,
  CREDIT_REASON_MAX,
  CurrencySchema,
  FUNDING_SOURCES,
  PAGE_LIMIT_MAX,
} from '@common/contracts/payments';
import { unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { callMeta } from '../accounts/routes';
import { withAccess } from '../auth/access';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { idempotent } from '../idempotency/middleware';
import { requiredOperationId } from '../idempotency/operation-id';
import { callUpstream } from '../upstream/upstream';
import { servedInCustomerHome } from './customer';

const CustomerParams = z.object({ customerId: z.string().openapi({ example: 'cus_01J…' }) });

const CreditBody = z
  .object({
    amount: AmountSchema.openapi({ description: 'Minor units.' }),
    currency: CurrencySchema.optional(),
    reason: z.string().trim().min(3).max(CREDIT_REASON_MAX).openapi({
      description: 'Why the money is credited; kept on the ledger event for audit.',
    }),
  })
  .strict();

const CreditedSchema = z
  .object({
    customerId: z.string(),
    accountId: z.string(),
    balance: MoneySchema,
    inTransit: MoneySchema,
    version: z.number().int(),
    creditedBy: z.string(),
  })
  .openapi('AdminCredit');

const CreditSchema = z
  .object({
    seq: z.number().int(),
    source: z.enum(FUNDING_SOURCES),
    amount: MoneySchema,
    eventId: z.string().optional().openapi({ description: 'The provider’s event id (provider).' }),
    by: z.string().optional().openapi({ description: 'Who credited (admin).' }),
    reason: z.string().optional(),
    at: z.string(),
  })
  .openapi('Credit');

/** Who an admin credit is recorded as having been made by. */
function creditor(c: Context<GatewayBindings>): string {
  const principal = principalOf(c);
  return principal.kind === 'api-key' ? 'operator' : `admin:${principal.id}`;
}

export const adminCredits = new OpenAPIHono<GatewayBindings>();

adminCredits.openapi(
  createRoute(
    withAccess('admin', {
      method: 'post',
      path: '/v1/admin/accounts/{customerId}/credits',
      tags: ['operations'],
      middleware: [servedInCustomerHome(), idempotent()],
      summary:
        'Credit a customer’s account (admin; idempotent by Idempotency-Key). The reason and who credited are recorded on the ledger event.',
      request: {
        params: CustomerParams,
        body: { content: { 'application/json': { schema: CreditBody } }, required: true },
      },
      responses: {
        201: {
          description: 'credited',
          content: { 'application/json': { schema: CreditedSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
      },
    }),
  ),
  async (c) => {
    const { customerId } = c.req.valid('param');
    const body = c.req.valid('json');
    const by = creditor(c);
    const operationId = await requiredOperationId(c, 'admin-credit');
    const input = { customerId, region: c.var.homeRegion, ...body, by, operationId };
    const receipt = unwrap(
      await callUpstream('payments', () => c.env.PAYMENTS.adminCredit(input, callMeta(c)), {
        idempotent: true,
      }),
    );
    // The operators' audit trail: the ledger event holds the same facts.
    c.get('log').info('funding.admin_credit', {
      customerId,
      amount: body.amount,
      by,
      reason: body.reason,
      replayed: receipt.replayed,
    });
    const { accountId, balance, inTransit, version } = receipt;
    return c.json({ customerId, accountId, balance, inTransit, version, creditedBy: by }, 201);
  },
);

adminCredits.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/accounts/{customerId}/credits',
      tags: ['operations'],
      middleware: [servedInCustomerHome()],
      summary:
        'Every entry of money into a customer’s account, newest first, with its source (provider, admin, sandbox) and, for an admin credit, who and why (read at the ledger).',
      request: {
        params: CustomerParams,
        query: z.object({
          cursor: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).optional(),
        }),
      },
      responses: {
        200: {
          description: 'credits, newest first',
          content: {
            'application/json': {
              schema: z.object({
                items: z.array(CreditSchema),
                nextCursor: z.number().int().nullable(),
              }),
            },
          },
        },
        ...problemResponses(400, 401, 403, 404, 429, 503),
      },
    }),
  ),
  async (c) => {
    const { customerId } = c.req.valid('param');
    const { cursor, limit } = c.req.valid('query');
    const query = {
      customerId,
      region: c.var.homeRegion,
      ...(cursor !== undefined ? { before: cursor } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
    const page = unwrap(
      await callUpstream('payments', () => c.env.PAYMENTS.credits(query), { idempotent: true }),
    );
    c.header('cache-control', 'private, no-store');
    return c.json(page, 200);
  },
);
