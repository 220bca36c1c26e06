/**
 * The read models over HTTP with D1 read sessions: each answer carries the
 * X-D1-Bookmark of its session, a client that sends it back reads at least
 * that fresh, and a malformed one is a 400. The transactions consistency
 * token keeps its meaning alongside (read-your-writes, else the ledger).
 */
import { describe, expect, it } from 'vitest';
import { call, deposit, okJson, register } from '../../test/support/clients';

describe('read models on D1 read sessions', () => {
  it('GET /v1/orders and GET /v1/accounts/me/transactions return a bookmark and accept it back', async () => {
    const { accessToken: token } = await register({ region: 'eu' });
    await deposit(token, 500);
    for (const path of ['/v1/orders', '/v1/accounts/me/transactions']) {
      const first = await call('GET', path, { token });
      expect(first.status, path).toBe(200);
      const bookmark = first.headers.get('x-d1-bookmark');
      expect(bookmark, path).toMatch(/^[\x21-\x7e]+$/);
      const again = await call('GET', path, {
        token,
        headers: { 'x-d1-bookmark': bookmark ?? '' },
      });
      expect(again.status, path).toBe(200);
      expect(again.headers.get('x-d1-bookmark')).toBeTruthy();
      const bad = await call('GET', path, {
        token,
        headers: { 'x-d1-bookmark': 'not a bookmark' },
      });
      expect(bad.status, path).toBe(400);
    }
  });

  it('the transactions consistency token still reads your write (the primary or the ledger when a replica lags)', async () => {
    const { accessToken: token } = await register({ region: 'us' });
    const res = await call('POST', '/v1/accounts/me/deposits', {
      token,
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: { amount: 321 },
    });
    const version = res.headers.get('x-consistency-token');
    const page = await okJson<{ items: Array<{ amount: { amount: number } }>; source: string }>(
      await call('GET', '/v1/accounts/me/transactions', {
        token,
        headers: { 'x-consistency-token': version ?? '' },
      }),
    );
    expect(page.items.map((i) => i.amount.amount)).toContain(321);
  });
});
