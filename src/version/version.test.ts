/**
 * The running version is visible everywhere it is needed to tell the two
 * versions of a gradual deployment apart: `/health`, the
 * `X-Meridian-Version` header of every response (errors included) and every
 * log line.
 */
import { env } from 'cloudflare:workers';
import { createLogger } from '@common/log';
import { UNKNOWN_VERSION, VERSION_HEADER, versionHeaderValue, versionOf } from '@common/version';
import { describe, expect, it, vi } from 'vitest';
import { call, operatorKey, postIdempotent, register } from '../../test/support/clients';

describe('versions', () => {
  it('/health names the version from the version_metadata binding', async () => {
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; version: { id: string; tag: string } };
    expect(body.status).toBe('ok');
    expect(env.VERSION.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.version).toEqual({ id: env.VERSION.id, tag: env.VERSION.tag });
  });

  it('every response carries X-Meridian-Version, errors and refusals included', async () => {
    const expected = versionHeaderValue(versionOf(env));
    const customer = await register();
    await call('PUT', '/v1/admin/flags/orders.accepting', {
      apiKey: operatorKey(),
      body: { enabled: false },
    });
    const paused = await postIdempotent('/v1/orders', customer.accessToken, {
      items: [{ sku: 'X', quantity: 1 }],
    });
    await call('DELETE', '/v1/admin/flags/orders.accepting', { apiKey: operatorKey() });
    const responses = [
      await call('GET', '/health'),
      await call('GET', '/no/such/route'),
      await call('GET', '/v1/me'),
      await call('POST', '/v1/inventory/X/restock', { apiKey: operatorKey(), body: '{' }),
      paused,
      await call('GET', '/metrics', { apiKey: operatorKey() }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 404, 401, 400, 503, 200]);
    for (const res of responses) expect(res.headers.get(VERSION_HEADER)).toBe(expected);
  });

  it('log lines carry the version', async () => {
    const info = vi.spyOn(console, 'log');
    await call('GET', '/health');
    const lines = info.mock.calls.map(
      ([line]) => JSON.parse(String(line)) as Record<string, unknown>,
    );
    info.mockRestore();
    const access = lines.find((l) => l.msg === 'http.request');
    expect(access?.workerVersion).toEqual({ id: env.VERSION.id, tag: env.VERSION.tag });
  });

  it('an event’s own `version` field does not hide the worker version', () => {
    const warn = vi.spyOn(console, 'warn');
    createLogger({ service: 'test' }).warn('faults.replaced', { version: 7 });
    const line = JSON.parse(String(warn.mock.calls.at(-1)?.[0])) as Record<string, unknown>;
    warn.mockRestore();
    expect(line.version).toBe(7);
    expect(line.workerVersion).toEqual({ id: env.VERSION.id, tag: env.VERSION.tag });
  });

  it('a worker without the binding reports an unknown version rather than failing', () => {
    expect(versionOf({})).toBe(UNKNOWN_VERSION);
    expect(versionOf({ VERSION: { id: 'v1', tag: 'abc123' } })).toEqual({
      id: 'v1',
      tag: 'abc123',
    });
    expect(versionHeaderValue({ id: 'v1', tag: 'abc123' })).toBe('v1; tag=abc123');
    expect(versionHeaderValue({ id: 'v1', tag: '' })).toBe('v1');
  });
});
