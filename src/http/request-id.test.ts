/**
 * Issue 17, finding 9: a client's `X-Request-Id` is taken only in a safe
 * shape (letters, digits, `.`, `_`, `:`, `-`; 8 to 128 characters) and then
 * answers in the header and in problem bodies; anything else is replaced by
 * the gateway's own `req_…` id, so no client text travels as an id into
 * logs, RPC metadata or message envelopes.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../../test/support/clients';

async function idsOf(offered: string): Promise<{ header: string | null; body: string }> {
  const res = await call('GET', '/v1/no-such-route', { headers: { 'x-request-id': offered } });
  expect(res.status).toBe(404);
  const problem = (await res.json()) as { requestId: string };
  return { header: res.headers.get('x-request-id'), body: problem.requestId };
}

describe('X-Request-Id', () => {
  it('a safe client id is kept, in the header and in problem bodies', async () => {
    for (const offered of ['client-0001', 'trace:abc.DEF_123-xyz', 'x'.repeat(128)]) {
      expect(await idsOf(offered)).toEqual({ header: offered, body: offered });
    }
  });

  it('any other id is replaced by a generated one', async () => {
    const unsafe = [
      'short',
      'x'.repeat(129),
      'has spaces in it',
      '<script>alert(1)</script>',
      'quote"inside-id',
      'new\tline-ish-tab',
      '../../etc/passwd',
      'caf\u00e9-au-lait-1',
    ];
    for (const offered of unsafe) {
      const { header, body } = await idsOf(offered);
      expect(header, offered).toMatch(/^req_[0-9A-Z]{26}$/);
      expect(body, offered).toBe(header);
    }
  });
});
