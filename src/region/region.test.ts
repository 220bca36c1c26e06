/**
 * Which region serves a request and which is the caller's home, resolved
 * once by the `region()` middleware. The forced location
 * (`X-Meridian-Region`) exists for development and tests only: with
 * ENVIRONMENT=production it is ignored and the edge location decides; a
 * customer's home region always wins over where the request comes from.
 */
import { env } from 'cloudflare:workers';
import type { Region } from '@common/regions';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { GatewayBindings, Principal } from '../context';
import { onError } from '../http/errors';
import { requestContext } from '../http/request-context';
import { canForceLocation, region } from './region';

const withEnvironment = (ENVIRONMENT: string): GatewayEnv => ({ ...env, ENVIRONMENT });

/** A one-route app answering the regions `region()` put on the context. */
function app(principal?: Principal) {
  const hono = new Hono<GatewayBindings>();
  hono.use(requestContext());
  hono.use(async (c, next) => {
    if (principal) c.set('principal', principal);
    await next();
  });
  hono.use(region());
  hono.onError(onError);
  hono.get('/where', (c) => c.json({ home: c.var.homeRegion, serving: c.var.servingRegion }));
  return hono;
}

interface Where {
  home: Region;
  serving: Region;
}

async function whereOf(
  environment: string,
  init: { header?: string; continent?: string; principal?: Principal } = {},
): Promise<Where | number> {
  const headers: Record<string, string> = init.header ? { 'x-meridian-region': init.header } : {};
  const request = new Request('http://meridian.test/where', {
    headers,
    ...(init.continent ? { cf: { continent: init.continent } } : {}),
  });
  const res = await app(init.principal).request(request, undefined, withEnvironment(environment));
  if (res.status !== 200) return res.status;
  return (await res.json()) as Where;
}

/** The home region, which is the serving region for a caller without one. */
async function regionOf(
  environment: string,
  init: { header?: string; continent?: string; principal?: Principal } = {},
): Promise<Region | number> {
  const where = await whereOf(environment, init);
  return typeof where === 'number' ? where : where.home;
}

const euCustomer: Principal = { kind: 'customer', id: 'cus_X', roles: ['customer'], region: 'eu' };

describe('the forced location', () => {
  it('is allowed in development and tests only', () => {
    expect(canForceLocation(withEnvironment('development'))).toBe(true);
    expect(canForceLocation(withEnvironment('test'))).toBe(true);
    expect(canForceLocation(withEnvironment('production'))).toBe(false);
    expect(canForceLocation(withEnvironment('staging'))).toBe(false);
    expect(canForceLocation(withEnvironment(''))).toBe(false);
  });

  it('is obeyed in tests', async () => {
    expect(await regionOf('test', { header: 'apac', continent: 'EU' })).toBe('apac');
    expect(await regionOf('development', { header: 'eu', continent: 'NA' })).toBe('eu');
  });

  it('is ignored in production: the edge location’s continent decides', async () => {
    expect(await regionOf('production', { header: 'apac', continent: 'EU' })).toBe('eu');
    expect(await regionOf('production', { header: 'eu', continent: 'NA' })).toBe('us');
    // Even a malformed value is not looked at.
    expect(await regionOf('production', { header: 'mars', continent: 'AS' })).toBe('apac');
  });

  it('an unknown forced region is a 400 where forcing is allowed', async () => {
    expect(await regionOf('test', { header: 'mars' })).toBe(400);
  });
});

describe('a customer’s home region', () => {
  it('wins over the forced location and the edge location, in every environment', async () => {
    for (const environment of ['test', 'production']) {
      for (const header of ['us', 'apac']) {
        expect(
          await regionOf(environment, { header, continent: 'NA', principal: euCustomer }),
        ).toBe('eu');
      }
    }
  });

  it('does not change where the request is served (replicas taking local writes use that)', async () => {
    expect(
      await whereOf('test', { header: 'apac', continent: 'NA', principal: euCustomer }),
    ).toEqual({ home: 'eu', serving: 'apac' });
    expect(await whereOf('production', { continent: 'NA', principal: euCustomer })).toEqual({
      home: 'eu',
      serving: 'us',
    });
  });

  it('without any hint, the configured default region', async () => {
    expect(await regionOf('production')).toBe('us');
  });
});
