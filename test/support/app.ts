/**
 * The real gateway app with some vars changed (small limits, short windows):
 * same routes and the same Durable Objects, for tests whose limits the
 * suite's defaults (vitest.config.ts testVars) keep out of reach.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createApp } from '../../src/app';

const app = createApp();

export function withVars(vars: Partial<GatewayEnv>) {
  const scoped = { ...env, ...vars } as GatewayEnv;
  return async (path: string, init: RequestInit = {}): Promise<Response> => {
    const ctx = createExecutionContext();
    const res = await app.request(`http://meridian.test${path}`, init, scoped, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}
