import { env } from 'cloudflare:workers';
import { derivedId, newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { idempotencyRecord } from './middleware';

const gatewayEnv = env as unknown as GatewayEnv;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ids derived from an idempotency key', () => {
  it('a retry that takes over a lapsed attempt keeps the first start, so it names the same resource', async () => {
    const scope = `customer:${newId('cus')}`;
    const key = newId('op');
    const record = idempotencyRecord(gatewayEnv, 'us', scope, key);
    const first = await record.begin('fp', 20, 86_400_000);
    if (first.kind !== 'started') throw new Error('expected a start');
    // The first attempt dies without finishing; its lock lapses.
    await sleep(60);
    const takeover = await record.begin('fp', 20, 86_400_000);
    if (takeover.kind !== 'started') throw new Error('expected a takeover');
    expect(takeover.token).not.toBe(first.token);
    expect(takeover.startedAt).toBe(first.startedAt);
    const operationId = `${scope}:${key}`;
    expect(await derivedId('ord', takeover.startedAt, operationId)).toBe(
      await derivedId('ord', first.startedAt, operationId),
    );
  });

  it('derived ids are valid, time-sortable ids and differ per key', async () => {
    const a = await derivedId('ord', 1_000, 'customer:x:key-1');
    const b = await derivedId('ord', 2_000, 'customer:x:key-2');
    expect(a).toMatch(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a < b).toBe(true);
    expect(await derivedId('ord', 1_000, 'customer:x:key-3')).not.toBe(a);
  });
});
