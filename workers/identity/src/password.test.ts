import { env, exports } from 'cloudflare:workers';
import { regionalDb } from '@common/regions';
import { describe, expect, it, vi } from 'vitest';
import { identityConfig } from './config';
import type IdentityService from './index';
import {
  hashPassword,
  needsRehash,
  PBKDF2_ITERATIONS_MAX,
  parseHash,
  verifyPassword,
} from './password';
import { identityDb, userByEmail } from './users';

const meta = { requestId: 'req_test', traceparent: '00-0-0-01' };
// The runner is the identity worker: its default export is IdentityService.
const identity = exports.default as unknown as Service<IdentityService>;

describe('password hashing', () => {
  it('never uses more PBKDF2 iterations than Workers allow (100,000)', async () => {
    expect(PBKDF2_ITERATIONS_MAX).toBe(100_000);
    expect(identityConfig(env).pbkdf2Iterations).toBeLessThanOrEqual(100_000);
    await expect(hashPassword('a password', 100_001)).rejects.toThrow(RangeError);
    expect(() => identityConfig({ ...env, PBKDF2_ITERATIONS: '150000' })).toThrow(RangeError);
    // What registration actually stores.
    const email = `cap.${crypto.randomUUID()}@example.test`;
    const res = await identity.register({ email, password: 'a good password', region: 'us' }, meta);
    expect(res.ok).toBe(true);
    const user = await userByEmail(identityDb(regionalDb(env, 'us', 'identityDb')), email);
    expect(parseHash(user?.passwordHash ?? '')?.iterations).toBeLessThanOrEqual(100_000);
  });

  it('stores the scheme, iteration count and a random salt with each hash', async () => {
    const a = await hashPassword('same password', 1000);
    const b = await hashPassword('same password', 1000);
    expect(a).toMatch(/^pbkdf2-sha256\$1000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same password', b)).toBe(true);
    expect(await verifyPassword('Same password', a)).toBe(false);
  });

  it('compares in constant time', async () => {
    const spy = vi.spyOn(crypto.subtle, 'timingSafeEqual');
    await verifyPassword('x', await hashPassword('y', 1000));
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('malformed or over-cap stored hashes never verify (and never throw)', async () => {
    const good = await hashPassword('pw', 1000);
    const overCap = good.replace('$1000$', '$200000$');
    for (const stored of ['', 'plain', overCap, good.slice(0, -2), `${good}$extra`]) {
      expect(await verifyPassword('pw', stored)).toBe(false);
    }
  });

  it('hashes made with fewer iterations are upgraded at the next login', async () => {
    const email = `old.${crypto.randomUUID()}@example.test`;
    await identity.register({ email, password: 'an old password', region: 'eu' }, meta);
    const weak = await hashPassword('an old password', 1000);
    // The customer is eu: their credentials are in the eu database.
    const eu = regionalDb(env, 'eu', 'identityDb');
    await eu.prepare('UPDATE users SET password_hash = ? WHERE email = ?').bind(weak, email).run();
    expect(needsRehash(weak, identityConfig(env).pbkdf2Iterations)).toBe(true);
    const login = await identity.login({ email, password: 'an old password' }, meta);
    expect(login.ok).toBe(true);
    const user = await userByEmail(identityDb(eu), email);
    expect(parseHash(user?.passwordHash ?? '')?.iterations).toBe(
      identityConfig(env).pbkdf2Iterations,
    );
  });
});
