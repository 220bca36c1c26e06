/**
 * The gateway's pipeline: request id + traceparent → secure headers and CORS
 * → JSON body rules → authentication → routes; errors become problem+json in
 * one place. The OpenAPI document is generated from the route schemas.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { GatewayBindings } from './context';
import { apiKeyAuth } from './middleware/admin';
import { jsonBody } from './middleware/body';
import { notFound, onError, respondProblem, zodProblem } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import { accounts } from './routes/accounts';
import { health } from './routes/health';
import { inventory } from './routes/inventory';
import { products } from './routes/products';
import { transfers } from './routes/transfers';

export function createApp(): OpenAPIHono<GatewayBindings> {
  const app = new OpenAPIHono<GatewayBindings>({
    defaultHook: (result, c) => {
      if (!result.success) return respondProblem(c, zodProblem(result.error));
    },
  });
  app.use(requestContext());
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
        'x-consistency-token',
      ],
    }),
  );
  app.use(jsonBody());
  app.use(apiKeyAuth());
  app.onError(onError);
  app.notFound(notFound);

  app.route('/', health);
  app.route('/', products);
  app.route('/', inventory);
  app.route('/', accounts);
  app.route('/', transfers);

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
