/**
 * The gateway's pipeline: request id + traceparent → metrics → secure headers
 * and CORS → load shedding → request scope (for per-request retry budgets) →
 * JSON body rules → authentication (API key, then bearer token) → rate limit
 * → routes (each route's access guard, then its idempotency key, then
 * validation); errors become problem+json in one place. The OpenAPI document
 * is generated from the route schemas and rendered at /docs.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { contextStorage } from 'hono/context-storage';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { API_KEY_SCHEME, BEARER_SCHEME } from './auth/access';
import type { GatewayBindings } from './context';
import { httpMetrics } from './metrics/http';
import { apiKeyAuth } from './middleware/admin';
import { authenticate } from './middleware/auth';
import { jsonBody } from './middleware/body';
import { notFound, onError, respondProblem, zodProblem } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { shed } from './middleware/shed';
import { rateLimit } from './ratelimit/middleware';
import { accounts } from './routes/accounts';
import { adminFaults } from './routes/admin-faults';
import { auth } from './routes/auth';
import { mountDocs } from './routes/docs';
import { health } from './routes/health';
import { inventory } from './routes/inventory';
import { me } from './routes/me';
import { metricsRoute } from './routes/metrics';
import { notifications } from './routes/notifications';
import { operations } from './routes/operations';
import { orders } from './routes/orders';
import { products } from './routes/products';
import { transfers } from './routes/transfers';

export const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'Meridian API',
    version: '1.0.0',
    description: 'Geo-partitioned commerce backend.',
  },
};

export function createApp(): OpenAPIHono<GatewayBindings> {
  const app = new OpenAPIHono<GatewayBindings>({
    defaultHook: (result, c) => {
      if (!result.success) return respondProblem(c, zodProblem(result.error));
    },
  });
  app.use(requestContext());
  app.use(httpMetrics());
  app.use(secureHeaders());
  app.use(
    cors({
      origin: '*',
      allowHeaders: [
        'authorization',
        'content-type',
        'idempotency-key',
        'x-request-id',
        'traceparent',
        'x-api-key',
        'x-consistency-token',
      ],
      exposeHeaders: [
        'x-request-id',
        'etag',
        'x-cache',
        'retry-after',
        'idempotent-replayed',
        'location',
        'age',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'x-consistency-token',
      ],
    }),
  );
  app.use(shed());
  app.use(contextStorage());
  app.use(jsonBody());
  app.use(apiKeyAuth());
  app.use(authenticate());
  app.use(rateLimit());
  app.onError(onError);
  app.notFound(notFound);

  app.route('/', health);
  app.route('/', metricsRoute);
  app.route('/', adminFaults);
  app.route('/', auth);
  app.route('/', me);
  app.route('/', products);
  app.route('/', inventory);
  app.route('/', orders);
  app.route('/', notifications);
  app.route('/', operations);
  app.route('/', accounts);
  app.route('/', transfers);

  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from /v1/auth/login, /register or /refresh.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', API_KEY_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Api-Key',
    description: 'Operator API key.',
  });
  app.doc31('/openapi.json', OPENAPI_CONFIG);
  mountDocs(app, OPENAPI_CONFIG);
  return app;
}
