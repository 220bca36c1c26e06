import { env, exports } from 'cloudflare:workers';
import { regionalDb } from '@common/regions';
import { describe, expect, it, vi } from 'vitest';
import { identityConfig } from './config';
import type IdentityService from './index';
import {
  ARGON2_MEMORY_KIB_MAX,
  hashPassword,
  needsRehash,
  parseHash,
  pbkdf2,
  toBase64Url,
  verifyPassword,
} from './password';
import { identityDb, userByEmail } from './users';

const meta = { requestId: 'req_test', traceparent: '00-0-0-01' };
// The runner is the identity worker: its default export is IdentityService.
const identity = exports.default as unknown as Service<IdentityService>;
const params = identityConfig(env).argon2;
/** Cheap parameters for tests that check the format, not the cost. */
const light = { memory_kib: 8192, passes: 1 };

/** A hash of the previous scheme, as registrations before argon2id stored it. */
async function pbkdf2Hash(password: string, iterations: number): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

describe('password hashing (argon2id)', () => {
  it('registration stores argon2id with the configured parameters (m = 19 MiB, t = 2, p = 1)', async () => {
    expect(params).toEqual({ memory_kib: 19_456, passes: 2 });
    const email = `argon.${crypto.randomUUID()}@example.test`;
    const res = await identity.register({ email, password: 'a good password', region: 'us' }, meta);
    expect(res.ok).toBe(true);
    const user = await userByEmail(identityDb(regionalDb(env, 'us', 'identityDb')), email);
    const stored = user?.passwordHash ?? '';
    expect(stored).toMatch(
      /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
    expect(parseHash(stored)).toMatchObject({ scheme: 'argon2id', params });
  });

  it('a random salt per hash; only the same password verifies', async () => {
    const a = await hashPassword('same password', light);
    const b = await hashPassword('same password', light);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same password', b)).toBe(true);
    expect(await verifyPassword('Same password', a)).toBe(false);
  });

  it('agrees with the RFC 9106 reference encoding (known vector)', async () => {
    // The reference implementation's output for this input (Debian's argon2 CLI):
    // echo -n password | argon2 somesalt -id -v 13 -m 13 -t 1 -p 1 -l 32
    const stored =
      '$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHQ$ByAEVKTCNpqJN0HGv2NV8pvzV4V8xeuOh5UQT75wo44';
    expect(parseHash(stored)?.scheme).toBe('argon2id');
    expect(await verifyPassword('password', stored)).toBe(true);
    expect(await verifyPassword('passwore', stored)).toBe(false);
  });

  it('compares in constant time', async () => {
    const spy = vi.spyOn(crypto.subtle, 'timingSafeEqual');
    await verifyPassword('x', await hashPassword('y', light));
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('malformed or out-of-bounds stored hashes never verify (and never throw)', async () => {
    const good = await hashPassword('pw', light);
    const greedy = good.replace('m=8192', `m=${ARGON2_MEMORY_KIB_MAX * 4}`);
    const legacyOverCap = (await pbkdf2Hash('pw', 1000)).replace('$1000$', '$200000$');
    for (const stored of ['', 'plain', greedy, legacyOverCap, good.slice(0, -2), `${good}$x`]) {
      expect(await verifyPassword('pw', stored)).toBe(false);
    }
  });

  it('refuses parameters outside the bounds at startup', () => {
    expect(() => identityConfig({ ...env, PASSWORD_ARGON2_MEMORY_KIB: '1024' })).toThrow(
      RangeError,
    );
    expect(() => identityConfig({ ...env, PASSWORD_ARGON2_PASSES: '50' })).toThrow(RangeError);
  });

  it('a PBKDF2 hash from before argon2id still logs in, and is upgraded to argon2id on that login', async () => {
    const email = `legacy.${crypto.randomUUID()}@example.test`;
    await identity.register({ email, password: 'an old password', region: 'eu' }, meta);
    const legacy = await pbkdf2Hash('an old password', 100_000);
    // The customer is eu: their credentials are in the eu database.
    const eu = regionalDb(env, 'eu', 'identityDb');
    await eu
      .prepare('UPDATE users SET password_hash = ? WHERE email = ?')
      .bind(legacy, email)
      .run();
    expect(needsRehash(legacy, params)).toBe(true);
    // A wrong password changes nothing.
    expect((await identity.login({ email, password: 'not the password' }, meta)).ok).toBe(false);
    expect((await userByEmail(identityDb(eu), email))?.passwordHash).toBe(legacy);
    const login = await identity.login({ email, password: 'an old password' }, meta);
    expect(login.ok).toBe(true);
    const upgraded = (await userByEmail(identityDb(eu), email))?.passwordHash ?? '';
    expect(parseHash(upgraded)).toMatchObject({ scheme: 'argon2id', params });
    expect(needsRehash(upgraded, params)).toBe(false);
    expect((await identity.login({ email, password: 'an old password' }, meta)).ok).toBe(true);
  });

  it('a weaker argon2id hash is upgraded to the configured parameters at login', async () => {
    const email = `weak.${crypto.randomUUID()}@example.test`;
    await identity.register({ email, password: 'a weak password', region: 'us' }, meta);
    const us = regionalDb(env, 'us', 'identityDb');
    const weak = await hashPassword('a weak password', light);
    await us.prepare('UPDATE users SET password_hash = ? WHERE email = ?').bind(weak, email).run();
    expect((await identity.login({ email, password: 'a weak password' }, meta)).ok).toBe(true);
    const stored = (await userByEmail(identityDb(us), email))?.passwordHash ?? '';
    expect(parseHash(stored)).toMatchObject({ scheme: 'argon2id', params });
  });

  it('costs what Workers can afford: argon2id at the configured parameters, measured inside workerd', async () => {
    const runs = 5;
    const stored = await hashPassword('measured password', params);
    const old = await pbkdf2Hash('measured password', 100_000);
    // workerd's clock moves only between I/O events: time each batch between two timer ticks.
    const tick = () => new Promise((r) => setTimeout(r, 0));
    const perVerify_ms = async (hash: string) => {
      await tick();
      const started = Date.now();
      for (let i = 0; i < runs; i++)
        expect(await verifyPassword('measured password', hash)).toBe(true);
      await tick();
      return (Date.now() - started) / runs;
    };
    const argon = await perVerify_ms(stored);
    const legacy = await perVerify_ms(old);
    console.log(
      `password verify, mean of ${runs}: argon2id m=${params.memory_kib} KiB t=${params.passes} ${argon.toFixed(1)} ms; PBKDF2-SHA256 100k ${legacy.toFixed(1)} ms`,
    );
    // Workers' paid plan allows 30 s of CPU per request by default; a login
    // must stay far inside it even on a loaded 2-core machine.
    expect(argon).toBeGreaterThan(0);
    expect(argon).toBeLessThan(2000);
  });
});
