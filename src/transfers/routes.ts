/**
 * Transfers between customers: a saga driven by the debtor's ledger. The POST
 * debits your account at once (the amount is then visibly in transit) and
 * answers 202; the credit to the recipient, possibly in another region,
 * follows. The transfer is read at your ledger (linearizable).
 */

import { MoneySchema } from '@common/contracts/catalog';
import { AMOUNT_MAX, CustomerIdSchema } from '@common/contracts/payments';
import { unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { accountOf, callMeta } from '../accounts/routes';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { documentedHeaders, problemResponses } from '../http/openapi';
import { idempotent } from '../idempotency/middleware';
import { requiredOperationId } from '../idempotency/operation-id';
import { callUpstream } from '../upstream/upstream';

const TransferSchema = z
  .object({
    transferId: z.string(),
    status: z.enum(['IN_FLIGHT', 'COMPLETED', 'REVERSED']).openapi({
      description:
        'IN_FLIGHT: debited, the amount is in transit; COMPLETED: credited; REVERSED: the credit failed and the amount was returned.',
    }),
    fromCustomerId: z.string(),
    toCustomerId: z.string(),
    amount: MoneySchema,
    inTransit: MoneySchema,
    reason: z.string().optional(),
    history: z.array(z.object({ status: z.string(), at: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Transfer');

const TransferBody = z
  .object({
    toCustomerId: CustomerIdSchema,
    amount: z.number().int().positive().max(AMOUNT_MAX).openapi({ description: 'Minor units.' }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
  })
  .strict();

export const transfers = new OpenAPIHono<GatewayBindings>();
transfers.openapi(
  createRoute(
    withAccess('customer', {
      method: 'post',
      path: '/v1/transfers',
      middleware: [idempotent()],
      summary:
        'Send money to another customer (idempotent by Idempotency-Key). Any registered customer can receive at once; 404 recipient_not_found only for an id that is no customer; 409 insufficient_funds when your balance is short. Both sides get a notification (transfer.sent, transfer.received).',
      request: {
        body: { content: { 'application/json': { schema: TransferBody } }, required: true },
      },
      responses: {
        202: {
          description: 'accepted: debited and in flight',
          headers: documentedHeaders('Location'),
          content: { 'application/json': { schema: TransferSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 409, 415, 422, 503),
      },
    }),
  ),
  async (c) => {
    const body = c.req.valid('json');
    const operationId = await requiredOperationId(c, 'transfer');
    const input = { ...accountOf(c), ...body, operationId };
    const view = unwrap(
      await callUpstream('payments', () => c.env.PAYMENTS.startTransfer(input, callMeta(c)), {
        log: c.get('log'),
      }),
    );
    c.header('location', `/v1/transfers/${view.transferId}`);
    return c.json(view, 202);
  },
);

transfers.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/transfers/{id}',
      summary: 'One of your transfers (linearizable: read at your ledger); 404 for anyone else’s.',
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: {
        200: {
          description: 'the transfer',
          content: { 'application/json': { schema: TransferSchema } },
        },
        ...problemResponses(401, 403, 404, 503),
      },
    }),
  ),
  async (c) => {
    const { id } = c.req.valid('param');
    const view = unwrap(
      await callUpstream(
        'payments',
        () => c.env.PAYMENTS.getTransfer({ ...accountOf(c), transferId: id }),
        {
          log: c.get('log'),
        },
      ),
    );
    return c.json(view, 200);
  },
);
