/**
 * POST /v1/webhooks/payments: the payment provider tells us a customer paid
 * (`top_up.succeeded`), and that customer's ledger, in their home region, is
 * credited. Public at the HTTP level (no bearer): the signature over the raw
 * body (`./signature.ts`) is the authentication, checked before anything
 * else reads the body, so an unsigned request learns nothing and changes
 * nothing (401). Then the event is validated (400), its customer found (404
 * for an id that is no customer, 503 while their region does not answer)
 * and the credit applied once per provider event id: a redelivery, or the
 * provider's retry after a failure of ours, answers 200 and credits nothing
 * more. Event types we do not handle are acknowledged (200) and ignored.
 */
import {
  AmountSchema,
  CurrencySchema,
  CustomerIdSchema,
  ProviderEventIdSchema,
} from '@common/contracts/payments';
import { problem, unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { callMeta } from '../accounts/routes';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { callUpstream } from '../upstream/upstream';
import { customerHome } from './customer';
import { SIGNATURE_HEADER, verifyWebhookSignature, webhookSecrets } from './signature';

export const TOP_UP_SUCCEEDED = 'top_up.succeeded';

const WebhookEventSchema = z
  .object({
    id: ProviderEventIdSchema.openapi({
      description: 'The provider’s event id; credits are idempotent by it.',
    }),
    type: z
      .string()
      .min(1)
      .max(100)
      .openapi({
        description: `\`${TOP_UP_SUCCEEDED}\` credits; other types are acknowledged and ignored.`,
      }),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('PaymentWebhookEvent');

const TopUpEventSchema = z.object({
  id: ProviderEventIdSchema,
  type: z.literal(TOP_UP_SUCCEEDED),
  data: z.object({ customerId: CustomerIdSchema, amount: AmountSchema, currency: CurrencySchema }),
});

/**
 * Reads the raw body and refuses it unless signed by the provider. Runs
 * before validation: the validator then parses the same text.
 */
function signedByProvider(): MiddlewareHandler<GatewayBindings> {
  return async function signedByProviderMiddleware(c, next) {
    let secrets: string[];
    try {
      secrets = webhookSecrets(c.env.PAYMENT_WEBHOOK_SECRET);
    } catch (error) {
      c.get('log').error('webhook.misconfigured', { error: String(error) });
      throw problem(503, 'webhook_not_configured', 'webhooks cannot be verified now', {
        retryAfter: 60,
      });
    }
    const raw = await c.req.text();
    const now_s = Math.floor(Date.now() / 1000);
    const check = await verifyWebhookSignature(c.req.header(SIGNATURE_HEADER), raw, secrets, now_s);
    if (!check.ok) {
      c.get('log').warn('webhook.refused', { reason: check.reason });
      throw problem(401, check.reason, 'the webhook signature is missing, wrong or too old');
    }
    return next();
  };
}

export const webhooks = new OpenAPIHono<GatewayBindings>();

webhooks.openapi(
  createRoute(
    withAccess('public', {
      method: 'post',
      path: '/v1/webhooks/payments',
      tags: ['payments'],
      middleware: [signedByProvider()],
      summary:
        'The payment provider’s events, signed (`Meridian-Signature: t=…,v1=…`, HMAC-SHA256 of "<t>.<raw body>", 300 s tolerance). `top_up.succeeded` credits the customer’s ledger once per event id.',
      request: {
        headers: z.object({ [SIGNATURE_HEADER]: z.string().max(1024).optional() }),
        body: { content: { 'application/json': { schema: WebhookEventSchema } }, required: true },
      },
      responses: {
        200: {
          description: 'received (credited, already credited, or an event type that is ignored)',
          content: {
            'application/json': {
              schema: z.object({ received: z.literal(true) }).openapi('WebhookReceived'),
            },
          },
        },
        ...problemResponses(400, 401, 404, 409, 413, 415, 429, 503),
      },
    }),
  ),
  async (c) => {
    const event = c.req.valid('json');
    const log = c.get('log');
    if (event.type !== TOP_UP_SUCCEEDED) {
      log.info('webhook.ignored', { eventId: event.id, type: event.type });
      return c.json({ received: true as const }, 200);
    }
    const { id: eventId, data } = TopUpEventSchema.parse(event);
    const region = await customerHome(c, data.customerId);
    const input = { ...data, region, eventId };
    const receipt = unwrap(
      await callUpstream('payments', () => c.env.PAYMENTS.creditTopUp(input, callMeta(c)), {
        // Keyed by the event id at the ledger: a retry credits at most once.
        idempotent: true,
      }),
    );
    log.info('webhook.top_up', {
      eventId,
      customerId: data.customerId,
      region,
      amount: data.amount,
      replayed: receipt.replayed,
    });
    return c.json({ received: true as const }, 200);
  },
);
