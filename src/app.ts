/**
 * The gateway: one Hono app whose pipeline reads top to bottom. Every
 * request passes the shared stages in order; each feature (a folder of
 * `src/`) then mounts its routes, whose own middleware runs the access
 * guard, the idempotency key and validation (`withAccess`, `idempotent`,
 * zod). Anything thrown becomes problem+json in one place (`http/errors`).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { contextStorage } from 'hono/context-storage';
import { secureHeaders } from 'hono/secure-headers';
import { accounts } from './accounts/routes';
import { operations } from './admin/routes';
import { analytics } from './analytics/routes';
import { apiKeyAuth } from './auth/api-key';
import { authenticate } from './auth/authenticate';
import { me } from './auth/me';
import { auth } from './auth/routes';
import { cart } from './carts/routes';
import { consoleFeature } from './console/routes';
import type { GatewayBindings } from './context';
import { mountDocs } from './docs/routes';
import { adminFaults } from './faults/routes';
import { adminFlags } from './flags/routes';
import { adminCredits } from './funding/credits';
import { webhooks } from './funding/webhook';
import { health } from './health/routes';
import { jsonBody } from './http/body';
import { apiCors } from './http/cors';
import { onError, routeNotFound, validationHook } from './http/errors';
import { requestContext } from './http/request-context';
import { inventory } from './inventory/routes';
import { httpMetrics } from './metrics/http';
import { metricsRoute } from './metrics/routes';
import { notifications } from './notifications/routes';
import { orders } from './orders/routes';
import { preferences } from './preferences/routes';
import { products } from './products/routes';
import { rateLimit } from './ratelimit/middleware';
import { region } from './region/region';
import { transfers } from './transfers/routes';
import { shed } from './upstream/shed';
import { versionHeader } from './version/header';

/** Each feature's routes, in the order /docs lists them. */
const FEATURES = [
  health,
  metricsRoute,
  adminFaults,
  adminFlags,
  auth,
  me,
  products,
  inventory,
  orders,
  notifications,
  operations,
  analytics,
  accounts,
  transfers,
  webhooks,
  adminCredits,
  consoleFeature,
  cart,
  preferences,
];

export function createApp(): OpenAPIHono<GatewayBindings> {
  const app = new OpenAPIHono<GatewayBindings>({ defaultHook: validationHook });

  // 1. Every request: the version that answers, request id, traceparent and
  // logger; metrics; headers.
  app.use(versionHeader());
  app.use(requestContext());
  app.use(httpMetrics());
  // Nothing the gateway serves is meant to be framed (the console included).
  app.use(secureHeaders({ xFrameOptions: 'DENY' }));
  app.use(apiCors());
  // 2. Overload: refuse at once (503 + Retry-After) before doing any work.
  app.use(shed());
  app.use(contextStorage());
  // 3. Bodies: JSON only (415), within the size limit (413).
  app.use(jsonBody());
  // 4. Who is calling (API key, then bearer token) and where they are served.
  app.use(apiKeyAuth());
  app.use(authenticate());
  app.use(region());
  // 5. How often they may call.
  app.use(rateLimit());
  // 6. Errors and unknown routes, in one place.
  app.onError(onError);
  app.notFound(routeNotFound(app));
  // 7. The features, then the contract they make up (/openapi.json, /docs).
  for (const feature of FEATURES) app.route('/', feature);
  mountDocs(app);
  return app;
}
