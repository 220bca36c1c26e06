/**
 * An idempotency record keeps the customer's stored response, so it lives in
 * the customer's HOME region — inside the `eu` jurisdiction for an `eu`
 * customer — whichever edge location the request comes from. Recorded on
 * the real IdempotencyRecord namespace.
 */
import { env } from 'cloudflare:workers';
import { REGIONS, type Region } from '@common/regions';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { register } from '../../test/support/clients';
import { recordPlacements } from '../../test/support/placement';
import { apiKeyAuth } from '../auth/api-key';
import { authenticate } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { jsonBody } from '../http/body';
import { onError } from '../http/errors';
import { requestContext } from '../http/request-context';
import { region } from '../region/region';
import { idempotent } from './middleware';

const app = new Hono<GatewayBindings>();
app.use(requestContext());
app.use(jsonBody());
app.use(apiKeyAuth());
app.use(authenticate());
app.use(region());
app.onError(onError);
app.post('/effects', idempotent(), (c) => c.json({ ok: true }, 201));

function post(token: string, edge: Region, namespace: DurableObjectNamespace) {
  return app.request(
    'http://meridian.test/effects',
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': `key-${crypto.randomUUID()}`,
        'x-meridian-region': edge,
      },
      body: '{}',
    },
    { ...env, IDEMPOTENCY: namespace },
  );
}

describe('idempotency record placement', () => {
  it.each(REGIONS)(
    'a %s customer’s records are in their home region from every edge',
    async (home) => {
      const customer = await register({ region: home });
      const recorded = recordPlacements(env.IDEMPOTENCY);
      for (const edge of REGIONS) {
        expect((await post(customer.accessToken, edge, recorded.namespace)).status).toBe(201);
      }
      expect(recorded.placements).toHaveLength(REGIONS.length);
      for (const p of recorded.placements) {
        expect(p.name.startsWith(`${home}:idem:`)).toBe(true);
        expect(p.jurisdiction).toBe(home === 'eu' ? 'eu' : null);
      }
      expect(recorded.placements.map((p) => p.locationHint)).toEqual(
        REGIONS.map(() => ({ us: 'enam', eu: 'weur', apac: 'apac' })[home]),
      );
    },
  );
});
