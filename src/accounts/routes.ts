/**
 * The customer's own account. Balance, sandbox deposits and events are read and
 * written at the account's ledger in the customer's home region
 * (linearizable: CP, a round trip to the leader). Transactions come from the
 * read model (eventual: EL) unless the client passes the consistency token a
 * write returned, in which case a lagging read model is bypassed for the
 * ledger (read-your-writes).
 */

import { MoneySchema } from '@common/contracts/catalog';
import {
  AmountSchema,
  CurrencySchema,
  FUNDING_SOURCES,
  PAGE_LIMIT_MAX,
} from '@common/contracts/payments';
import { BOOKMARK_HEADER } from '@common/d1-session';
import { problem, unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { withAccess } from '../auth/access';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { BookmarkHeaders, documentedHeaders, problemResponses } from '../http/openapi';
import { idempotent } from '../idempotency/middleware';
import { requiredOperationId } from '../idempotency/operation-id';
import { callUpstream } from '../upstream/upstream';
import { sandboxOnly } from './sandbox';

const CONSISTENCY_TOKEN = 'x-consistency-token';

const AccountSchema = z
  .object({
    accountId: z.string(),
    balance: MoneySchema,
    inTransit: MoneySchema,
    version: z.number().int().openapi({ description: 'Consistency token: the ledger version.' }),
  })
  .openapi('Account');

const EventSchema = z.object({
  seq: z.number().int(),
  type: z.string(),
  amount: MoneySchema.optional(),
  reference: z.string().optional(),
  source: z.enum(FUNDING_SOURCES).optional().openapi({
    description: 'FundsDeposited: where the money came from.',
  }),
  at: z.string(),
});

const TransactionSchema = z
  .object({
    seq: z.number().int(),
    type: z.string(),
    direction: z.enum(['credit', 'debit', 'none']),
    amount: MoneySchema,
    balanceAfter: MoneySchema,
    reference: z.string().nullable(),
    at: z.string(),
  })
  .openapi('Transaction');

/** The caller's account: their id, their home region. */
export function accountOf(c: Context<GatewayBindings>) {
  const principal = principalOf(c);
  return { customerId: principal.id, region: c.var.homeRegion };
}

export function callMeta(c: Context<GatewayBindings>) {
  return { requestId: c.get('requestId'), traceparent: c.get('traceparent') };
}

const upstream = <R>(c: Context<GatewayBindings>, call: () => R) =>
  callUpstream('payments', call, { log: c.get('log') });

export const accounts = new OpenAPIHono<GatewayBindings>();
accounts.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/accounts/me',
      summary: 'Your account: balance and version (linearizable: read at your ledger).',
      responses: {
        200: {
          description: 'the account',
          headers: documentedHeaders('X-Consistency-Token'),
          content: { 'application/json': { schema: AccountSchema } },
        },
        ...problemResponses(401, 403, 503),
      },
    }),
  ),
  async (c) => {
    const account = unwrap(
      await upstream(c, () => c.env.PAYMENTS.getAccount(accountOf(c), callMeta(c))),
    );
    const { accountId, balance, inTransit, version } = account;
    c.header(CONSISTENCY_TOKEN, String(version));
    return c.json({ accountId, balance, inTransit, version }, 200);
  },
);

const DepositBody = z
  .object({
    amount: AmountSchema.openapi({ description: 'Minor units.' }),
    currency: CurrencySchema.optional(),
  })
  .strict();

accounts.openapi(
  createRoute(
    withAccess('customer', {
      method: 'post',
      path: '/v1/accounts/me/deposits',
      middleware: [
        sandboxOnly(),
        // A replay carries the consistency token too, so a retried write can still read its own write.
        idempotent({ replayHeaders: ['content-type', CONSISTENCY_TOKEN] }),
      ],
      summary:
        'Sandbox deposit (development and tests; 403 deposits_disabled where the deployment turns it off, the production default). Linearizable; idempotent by Idempotency-Key; returns the version as the consistency token.',
      request: {
        body: { content: { 'application/json': { schema: DepositBody } }, required: true },
      },
      responses: {
        201: {
          description: 'deposited',
          headers: documentedHeaders('X-Consistency-Token'),
          content: { 'application/json': { schema: AccountSchema } },
        },
        ...problemResponses(400, 401, 403, 409, 415, 422, 503),
      },
    }),
  ),
  async (c) => {
    const body = c.req.valid('json');
    const operationId = await requiredOperationId(c, 'deposit');
    const receipt = unwrap(
      await upstream(c, () =>
        c.env.PAYMENTS.deposit({ ...accountOf(c), ...body, operationId }, callMeta(c)),
      ),
    );
    const { accountId, balance, inTransit, version } = receipt;
    c.header(CONSISTENCY_TOKEN, String(version));
    return c.json({ accountId, balance, inTransit, version }, 201);
  },
);

const EventsQuery = z.object({
  until: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'ISO 8601; default now.' }),
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

accounts.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/accounts/me/events',
      summary:
        'Your ledger as of a past instant: events up to `until` and the balance then (at the ledger).',
      request: { query: EventsQuery },
      responses: {
        200: {
          description: 'events and balance as of until',
          content: {
            'application/json': {
              schema: z.object({
                events: z.array(EventSchema),
                balanceAt: MoneySchema,
                inTransitAt: MoneySchema,
                versionAt: z.number().int(),
                until: z.string(),
                nextCursor: z.number().int().nullable(),
              }),
            },
          },
        },
        ...problemResponses(400, 401, 403, 503),
      },
    }),
  ),
  async (c) => {
    const { until, after, limit } = c.req.valid('query');
    const query = {
      ...accountOf(c),
      ...(until ? { until: Date.parse(until) } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
    const page = unwrap(await upstream(c, () => c.env.PAYMENTS.accountEvents(query)));
    return c.json(page, 200);
  },
);

const TransactionsQuery = z.object({
  minVersion: z.coerce.number().int().nonnegative().optional().openapi({
    description: 'Consistency token from a write; also accepted as the X-Consistency-Token header.',
  }),
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).optional(),
});

accounts.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/accounts/me/transactions',
      summary:
        'Your transactions from the read model (eventual: the nearest D1 replica). With a consistency token, read-your-writes (the primary, else the ledger). X-D1-Bookmark: read at least as fresh as a previous answer.',
      request: { query: TransactionsQuery, headers: BookmarkHeaders },
      parameters: [
        {
          name: 'X-Consistency-Token',
          in: 'header',
          required: false,
          description: 'The version a write returned (as minVersion): read your own writes.',
          schema: { type: 'integer', minimum: 0 },
        },
      ],
      responses: {
        200: {
          description: 'a page of transactions, newest first',
          headers: documentedHeaders('X-D1-Bookmark'),
          content: {
            'application/json': {
              schema: z.object({
                items: z.array(TransactionSchema),
                nextCursor: z.number().int().nullable(),
                source: z.enum(['projection', 'ledger']),
              }),
            },
          },
        },
        ...problemResponses(400, 401, 403, 503),
      },
    }),
  ),
  async (c) => {
    const { minVersion, cursor, limit } = c.req.valid('query');
    const token = minVersion ?? tokenHeader(c);
    const bookmark = c.req.valid('header')[BOOKMARK_HEADER];
    const query = {
      ...accountOf(c),
      ...(token !== undefined ? { minVersion: token } : {}),
      ...(cursor !== undefined ? { before: cursor } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(bookmark !== undefined ? { bookmark } : {}),
    };
    const { bookmark: next, ...page } = unwrap(
      await upstream(c, () => c.env.PAYMENTS.listTransactions(query)),
    );
    if (next) c.header(BOOKMARK_HEADER, next);
    return c.json(page, 200);
  },
);

function tokenHeader(c: Context<GatewayBindings>): number | undefined {
  const header = c.req.header(CONSISTENCY_TOKEN);
  if (header === undefined) return undefined;
  if (!/^\d{1,15}$/.test(header))
    throw problem(400, 'consistency_token_invalid', 'X-Consistency-Token must be a version number');
  return Number(header);
}
