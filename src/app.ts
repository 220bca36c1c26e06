/**
 * The gateway's pipeline: request id + traceparent → metrics → secure headers
 * and CORS → load shedding → request scope (for per-request retry budgets) →
 * JSON body rules → authentication → routes; errors become problem+json in
 * one place. The OpenAPI document is generated from the route schemas.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { contextStorage } from 'hono/context-storage';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { GatewayBindings } from './context';
import { httpMetrics } from './metrics/http';
import { apiKeyAuth } from './middleware/admin';
import { jsonBody } from './middleware/body';
import { notFound, onError, respondProblem, zodProblem } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { shed } from './middleware/shed';
import { adminFaults } from './routes/admin-faults';
import { health } from './routes/health';
import { inventory } from './routes/inventory';
import { metricsRoute } from './routes/metrics';
import { notifications } from './routes/notifications';
import { operations } from './routes/operations';
import { orders } from './routes/orders';
import { products } from './routes/products';

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
      ],
      exposeHeaders: [
        'x-request-id',
        'etag',
        'x-cache',
        'retry-after',
        'idempotent-replayed',
        'location',
        'age',
      ],
    }),
  );
  app.use(shed());
  app.use(contextStorage());
  app.use(jsonBody());
  app.use(apiKeyAuth());
  app.onError(onError);
  app.notFound(notFound);

  app.route('/', health);
  app.route('/', metricsRoute);
  app.route('/', adminFaults);
  app.route('/', products);
  app.route('/', inventory);
  app.route('/', orders);
  app.route('/', notifications);
  app.route('/', operations);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Meridian API',
      version: '1.0.0',
      description: 'Geo-partitioned commerce backend.',
    },
  });
  return app;
}
