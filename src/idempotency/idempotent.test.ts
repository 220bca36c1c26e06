/**
 * idempotent() on a tiny app whose handler counts its effects, behind the
 * real authentication middlewares and the real IdempotencyRecord objects.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { register } from '../../test/support/clients';
import { apiKeyAuth } from '../auth/api-key';
import { authenticate } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { jsonBody } from '../http/body';
import { notFound, onError } from '../http/errors';
import { requestContext } from '../http/request-context';
import { region } from '../region/region';
import { idempotencyConfig, idempotencyRecord, idempotent } from './middleware';

let effects = 0;
let status = 201;
let gate: Promise<void> = Promise.resolve();
let entered: () => void = () => {};

const app = new Hono<GatewayBindings>();
app.use(requestContext());
app.use(jsonBody());
app.use(apiKeyAuth());
app.use(authenticate());
app.use(region());
app.onError(onError);
app.notFound(notFound);
app.post('/effects', idempotent(), async (c) => {
  entered();
  await gate;
  effects += 1;
  c.header('location', `/effects/${effects}`);
  c.header('x-not-replayed', 'volatile');
  return c.json({ effect: effects, body: await c.req.json() }, status as 201);
});
app.post('/optional', idempotent({ required: false }), (c) => {
  effects += 1;
  return c.json({ effect: effects }, 200);
});

let token = '';
let otherToken = '';
beforeAll(async () => {
  token = (await register()).accessToken;
  otherToken = (await register()).accessToken;
});

function post(key: string | undefined, body: unknown = { amount: 5 }, as = token) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${as}`,
  };
  if (key !== undefined) headers['idempotency-key'] = key;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return app.request('http://meridian.test/effects', { method: 'POST', headers, body: text }, env);
}

const newKey = () => `key-${crypto.randomUUID()}`;

describe('idempotent()', () => {
  it('50 concurrent duplicates have one effect; the rest are 409 or replays of it', async () => {
    const before = effects;
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 50 }, () => post(key)));
    expect(effects - before).toBe(1);
    const originals = results.filter(
      (r) => r.status === 201 && !r.headers.has('idempotent-replayed'),
    );
    expect(originals).toHaveLength(1);
    const original = await originals[0]?.text();
    for (const res of results) {
      if (res.status === 409 || res === originals[0]) continue;
      expect(res.status).toBe(201);
      expect(await res.text()).toBe(original);
    }
  });

  it('a duplicate while the first is in flight gets 409; afterwards the stored response', async () => {
    const key = newKey();
    let release: () => void = () => {};
    gate = new Promise((r) => {
      release = r;
    });
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    const first = post(key);
    await inside;
    const duplicate = await post(key);
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('retry-after')).toBe('1');
    expect(((await duplicate.json()) as { type: string }).type).toMatch(
      /idempotency_key_in_flight$/,
    );
    release();
    gate = Promise.resolve();
    const done = await first;
    expect(done.status).toBe(201);
    const body = await done.text();
    const replay = await post(key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('location')).toBe(done.headers.get('location'));
    expect(replay.headers.get('content-type')).toMatch(/application\/json/);
    expect(replay.headers.get('x-not-replayed')).toBeNull();
    expect(await replay.text()).toBe(body);
  });

  it('the same key with another body is a 422; the same JSON reformatted is a replay', async () => {
    const key = newKey();
    expect((await post(key, { amount: 5, note: 'a' })).status).toBe(201);
    const before = effects;
    const other = await post(key, { amount: 6, note: 'a' });
    expect(other.status).toBe(422);
    const reordered = await post(key, '{ "note": "a",\n  "amount": 5 }');
    expect(reordered.status).toBe(201);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    expect(effects).toBe(before);
  });

  it('a missing or malformed key is a 400 on required routes, ignored on optional ones', async () => {
    const missing = await post(undefined);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { type: string }).type).toMatch(/idempotency_key_required$/);
    expect((await post('has spaces in it')).status).toBe(400);
    expect((await post('x'.repeat(201))).status).toBe(400);
    const optional = await app.request(
      'http://meridian.test/optional',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      env,
    );
    expect(optional.status).toBe(200);
  });

  it('keys are scoped to the caller: two customers with one key get two effects', async () => {
    const key = newKey();
    const before = effects;
    const a = await post(key, { amount: 1 }, token);
    const b = await post(key, { amount: 1 }, otherToken);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(effects - before).toBe(2);
  });

  it('a response that records no outcome (5xx) releases the key so a retry runs', async () => {
    const key = newKey();
    status = 503;
    expect((await post(key)).status).toBe(503);
    status = 201;
    const before = effects;
    const retry = await post(key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(effects - before).toBe(1);
    expect((await post(key)).headers.get('idempotent-replayed')).toBe('true');
  });
});

// `env` is typed as every worker's Env merged; this suite runs in the gateway.
const gatewayEnv = env as unknown as GatewayEnv;

describe('IdempotencyRecord', () => {
  it('retention is at least 24 h whatever is configured', () => {
    const short = idempotencyConfig({ ...gatewayEnv, IDEMPOTENCY_RETENTION_S: '60' });
    expect(short.retention_ms).toBe(24 * 3600 * 1000);
    expect(idempotencyConfig(gatewayEnv).retention_ms).toBeGreaterThanOrEqual(24 * 3600 * 1000);
  });

  it('keeps a record for the retention, then its alarm deletes it and the key runs again', async () => {
    const record = idempotencyRecord(gatewayEnv, 'us', 'test:expiry', newKey());
    const { retention_ms, lock_ms } = idempotencyConfig(gatewayEnv);
    const begun = await record.begin('fp', lock_ms, retention_ms);
    if (begun.kind !== 'started') throw new Error('expected a start');
    await record.complete(begun.token, { status: 201, headers: {}, body: new ArrayBuffer(2) });
    const alarm = await runInDurableObject(record, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThanOrEqual(Date.now() + retention_ms - 60_000);
    // An early alarm (before expiry) keeps the record.
    await runDurableObjectAlarm(record);
    expect((await record.begin('fp', lock_ms, retention_ms)).kind).toBe('replay');
    // Move the expiry into the past, as if 24 h had passed, and let the alarm fire.
    await runInDurableObject(record, (_i, state) => {
      state.storage.sql.exec('UPDATE record SET expires_ms = ?', Date.now() - 1);
      return state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(record);
    expect((await record.begin('fp', lock_ms, retention_ms)).kind).toBe('started');
  });

  it('an in-flight request whose lock lapsed (it died) is taken over by a retry', async () => {
    const record = idempotencyRecord(gatewayEnv, 'us', 'test:lock', newKey());
    const first = await record.begin('fp', 60_000, 86_400_000);
    expect(first.kind).toBe('started');
    expect((await record.begin('fp', 60_000, 86_400_000)).kind).toBe('in_flight');
    await runInDurableObject(record, (_i, state) => {
      state.storage.sql.exec('UPDATE record SET lock_until_ms = ?', Date.now() - 1);
    });
    const retry = await record.begin('fp', 60_000, 86_400_000);
    expect(retry.kind).toBe('started');
    // The dead request can no longer complete over the retry's claim.
    if (first.kind === 'started') {
      expect(
        await record.complete(first.token, { status: 201, headers: {}, body: new ArrayBuffer(0) }),
      ).toBe(false);
    }
  });
});
