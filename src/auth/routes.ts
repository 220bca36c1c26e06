/**
 * Identity routes: register, log in, refresh, log out (identity signs the
 * tokens; the gateway verifies them locally), the public keys at
 * /.well-known/jwks.json, and the operator-only admin bootstrap.
 * Register and login are throttled per address, per (account, address) and
 * per account on top of the API-wide limit (`../ratelimit/login.ts`).
 */

import { EmailSchema, PasswordSchema } from '@common/contracts/identity';
import { unwrap } from '@common/problem';
import { REGIONS } from '@common/regions';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { throttleAuth } from '../ratelimit/login';
import { callUpstream } from '../upstream/upstream';
import { withAccess } from './access';
import { principalOf } from './authenticate';
import { verificationKeys } from './keys';

type Ctx = Context<GatewayBindings>;

const TokenPairSchema = z
  .object({
    customerId: z.string(),
    region: z.enum(REGIONS),
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().openapi({ description: 'seconds until the access token expires' }),
    tokenType: z.literal('Bearer'),
  })
  .openapi('TokenPair');

// Strict: a client cannot assign itself roles, or anything else, at registration.
const RegisterBody = z
  .object({
    email: EmailSchema,
    password: PasswordSchema,
    name: z.string().trim().min(1).max(100).optional(),
    region: z.enum(REGIONS).optional().openapi({
      description: 'home region; defaults to the one serving the request’s continent',
    }),
  })
  .strict()
  .openapi('RegisterRequest');

const LoginBody = z
  .object({ email: EmailSchema, password: z.string().min(1).max(128) })
  .strict()
  .openapi('LoginRequest');

const RefreshBody = z
  .object({ refreshToken: z.string().min(1).max(256) })
  .strict()
  .openapi('RefreshRequest');

const EnsureAdminBody = z
  .object({ email: EmailSchema, password: PasswordSchema, region: z.enum(REGIONS).optional() })
  .strict()
  .openapi('EnsureAdminRequest');

const json = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});
const ok = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});

const meta = (c: Ctx) => ({ requestId: c.get('requestId'), traceparent: c.get('traceparent') });
const call = <R>(c: Ctx, work: () => R) => callUpstream('identity', work, { log: c.get('log') });

/** Tokens must not be cached by anything between the client and us (RFC 6749 §5.1). */
function noStore(c: Ctx): void {
  c.header('cache-control', 'no-store');
  c.header('pragma', 'no-cache');
}

export const auth = new OpenAPIHono<GatewayBindings>();

auth.openapi(
  createRoute(
    withAccess('public', {
      method: 'post',
      path: '/v1/auth/register',
      tags: ['identity'],
      summary: 'Create a customer account (home region fixed here) and log it in.',
      request: { body: json(RegisterBody) },
      responses: {
        201: ok('the account and its first token pair', TokenPairSchema),
        ...problemResponses(400, 409, 413, 415, 429, 503),
      },
    }),
  ),
  async (c) => {
    const body = c.req.valid('json');
    await throttleAuth(c, 'register', body.email);
    const input = { ...body, region: body.region ?? c.var.servingRegion };
    const pair = unwrap(await call(c, () => c.env.IDENTITY.register(input, meta(c))));
    noStore(c);
    return c.json(pair, 201);
  },
);

auth.openapi(
  createRoute(
    withAccess('public', {
      method: 'post',
      path: '/v1/auth/login',
      tags: ['identity'],
      summary: 'Exchange email and password for a token pair (starts a refresh family).',
      request: { body: json(LoginBody) },
      responses: {
        200: ok('a new token pair', TokenPairSchema),
        ...problemResponses(400, 401, 413, 415, 429, 503),
      },
    }),
  ),
  async (c) => {
    const body = c.req.valid('json');
    const refund = await throttleAuth(c, 'login', body.email);
    const result = await call(c, () => c.env.IDENTITY.login(body, meta(c)));
    if (result.ok) await refund();
    const pair = unwrap(result);
    noStore(c);
    return c.json(pair, 200);
  },
);

auth.openapi(
  createRoute(
    withAccess('public', {
      method: 'post',
      path: '/v1/auth/refresh',
      tags: ['identity'],
      summary:
        'Rotate a refresh token: it works once; reusing a spent one revokes its whole family (401).',
      request: { body: json(RefreshBody) },
      responses: {
        200: ok('the next token pair', TokenPairSchema),
        ...problemResponses(400, 401, 413, 415, 429, 503),
      },
    }),
  ),
  async (c) => {
    const body = c.req.valid('json');
    const pair = unwrap(await call(c, () => c.env.IDENTITY.refresh(body, meta(c))));
    noStore(c);
    return c.json(pair, 200);
  },
);

auth.openapi(
  createRoute(
    withAccess('customer', {
      method: 'post',
      path: '/v1/auth/logout',
      tags: ['identity'],
      summary:
        'Revoke the refresh family of this session. The access token stays valid until it expires.',
      responses: { 204: { description: 'logged out' }, ...problemResponses(401, 403, 429, 503) },
    }),
  ),
  async (c) => {
    const principal = principalOf(c);
    if (principal.sessionId) {
      const input = { customerId: principal.id, sessionId: principal.sessionId };
      unwrap(await call(c, () => c.env.IDENTITY.logout(input, meta(c))));
    }
    return c.body(null, 204);
  },
);

const JwksSchema = z
  .object({
    keys: z.array(
      z.object({
        kty: z.string(),
        crv: z.string(),
        x: z.string(),
        y: z.string(),
        kid: z.string(),
        alg: z.string().optional(),
        use: z.string().optional(),
      }),
    ),
  })
  .openapi('JWKS');

auth.openapi(
  createRoute(
    withAccess('public', {
      method: 'get',
      path: '/.well-known/jwks.json',
      tags: ['identity'],
      summary: 'The public keys (ES256, by kid) that verify access tokens.',
      responses: { 200: ok('the JSON Web Key Set', JwksSchema) },
    }),
  ),
  async (c) => {
    const { jwks } = await verificationKeys(c.env);
    c.header('cache-control', 'public, max-age=300');
    return c.json(jwks, 200);
  },
);

auth.openapi(
  createRoute(
    withAccess('operator', {
      method: 'put',
      path: '/v1/admin/admins',
      tags: ['operations'],
      summary:
        'Create an admin account (operator API key only). Idempotent: an admin with this email and password is answered as is (200, created false). It never takes over an account: an email that belongs to a customer is 409 email_belongs_to_customer, an admin with another password 409 admin_exists_with_other_password, and no existing password or role changes.',
      request: { body: json(EnsureAdminBody) },
      responses: {
        200: ok(
          'the admin account',
          z.object({ customerId: z.string(), created: z.boolean() }).openapi('EnsuredAdmin'),
        ),
        ...problemResponses(400, 401, 403, 409, 413, 415, 429, 503),
      },
    }),
  ),
  async (c) => {
    const body = c.req.valid('json');
    const admin = unwrap(await call(c, () => c.env.IDENTITY.ensureAdmin(body, meta(c))));
    return c.json(admin, 200);
  },
);
