/**
 * Preferences over HTTP: default quorum, levels, bad input, and a replica
 * taken down through the admin fault API (quorum still works, `all` is a 503
 * with Retry-After, the replica catches up once the rule is gone).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, okJson, operatorKey, register } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, problemCode, putFaults } from '../../test/support/faults';

interface View {
  preferences: Record<string, unknown>;
  version: string | null;
}
interface Replicas {
  n: number;
  w: number;
  r: number;
  replicas: Array<{
    id: string;
    role: string;
    up: boolean;
    version: string | null;
    hinted: Array<{ for: string }>;
  }>;
}

const replicasOf = async (customerId: string) =>
  okJson<Replicas>(
    await call('GET', `/v1/admin/preferences/${customerId}/replicas`, { apiKey: operatorKey() }),
  );

afterEach(clearFaults);

describe('preferences over HTTP', () => {
  it('a PUT is read back (default quorum, and at every level); unset preferences are {} with a null version', async () => {
    const customer = await register({ region: 'eu' });
    const token = customer.accessToken;
    expect(await okJson<View>(await call('GET', '/v1/me/preferences', { token }))).toEqual({
      preferences: {},
      version: null,
    });
    const put = await okJson<View>(
      await call('PUT', '/v1/me/preferences', { token, body: { theme: 'dark', lang: 'de' } }),
    );
    expect(put.preferences).toEqual({ theme: 'dark', lang: 'de' });
    for (const level of ['one', 'quorum', 'all']) {
      const read = await okJson<View>(
        await call('GET', `/v1/me/preferences?consistency=${level}`, { token }),
      );
      expect(read, level).toEqual(put);
    }
  });

  it('bad input is a 4xx: not an object (400), over 4 KiB (413), an unknown level (400)', async () => {
    const { accessToken: token } = await register({ region: 'us' });
    for (const body of [[1], '"dark"', 'null']) {
      const res = await call('PUT', '/v1/me/preferences', { token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const big = await call('PUT', '/v1/me/preferences', { token, body: { x: 'y'.repeat(4100) } });
    expect(big.status).toBe(413);
    expect(await problemCode(big)).toBe('preferences_too_large');
    const level = await call('GET', '/v1/me/preferences?consistency=most', { token });
    expect(level.status).toBe(400);
  });

  it('a replica taken down by a fault rule: quorum works, all is a 503 with Retry-After, and it catches up once the rule is gone', async () => {
    const customer = await register({ region: 'us' });
    const token = customer.accessToken;
    const before = await replicasOf(customer.customerId);
    expect(before).toMatchObject({ n: 3, w: 2, r: 2 });
    const [down] = before.replicas.filter((r) => r.role === 'primary');
    if (!down) throw new Error('no primary');
    await putFaults([{ target: `replica:${down.id}`, kind: 'error', rate: 1 }]);
    // The rule is in force once `all` is refused (services read rules through a short cache).
    const refused = await eventually(
      () => call('PUT', '/v1/me/preferences?consistency=all', { token, body: { theme: 'x' } }),
      (res) => res.status === 503,
    );
    expect(refused.headers.get('retry-after')).toBe('1');
    const written = await okJson<View>(
      await call('PUT', '/v1/me/preferences', { token, body: { theme: 'light' } }),
    );
    expect(await okJson<View>(await call('GET', '/v1/me/preferences', { token }))).toEqual(written);
    const during = await replicasOf(customer.customerId);
    expect(during.replicas.find((r) => r.id === down.id)?.up).toBe(false);
    expect(during.replicas.some((r) => r.hinted.some((h) => h.for === down.id))).toBe(true);
    await clearFaults();
    await eventually(
      () => replicasOf(customer.customerId),
      (view) => view.replicas.find((r) => r.id === down.id)?.version === written.version,
    );
  });
});
