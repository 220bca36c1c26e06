import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { newId } from '@common/ids';
import type { CallMeta } from '@common/rpc';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import type { InventoryShard } from './shard';

const testEnv = env as unknown as InventoryEnv & { CATALOG_DB: D1Database };
const meta: CallMeta = {
  requestId: 'req_test',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

function shard(): DurableObjectStub<InventoryShard> {
  return testEnv.INVENTORY_SHARD.get(testEnv.INVENTORY_SHARD.idFromName(newId('op')));
}

async function readModelLevel(sku: string): Promise<number | undefined> {
  const row = await testEnv.CATALOG_DB.prepare(
    "SELECT available FROM stock_levels WHERE sku = ? AND region = 'us'",
  )
    .bind(sku)
    .first<{ available: number }>();
  return row?.available;
}

describe('inventory outbox', () => {
  it('a restock delivers its event after commit, and the consumer in another worker applies it', async () => {
    const sku = `OUTBOX-${newId('op').slice(-8)}`;
    const stub = shard();
    await stub.restock({ sku, region: 'us', quantity: 7, operationId: newId('op') }, meta);
    expect(
      await eventually(
        () => stub.outboxPending(),
        (n) => n === 0,
      ),
    ).toBe(0);
    expect(
      await eventually(
        () => readModelLevel(sku),
        (v) => v === 7,
      ),
    ).toBe(7);
  });

  it('a failing send leaves the row, and a later alarm delivers it', async () => {
    const sku = `OUTBOX-${newId('op').slice(-8)}`;
    const stub = shard();
    await runInDurableObject(stub, (instance: InventoryShard) => {
      instance.send = async () => {
        throw new Error('queue unavailable');
      };
    });
    const level = await stub.restock(
      { sku, region: 'us', quantity: 5, operationId: newId('op') },
      meta,
    );
    // The state change committed and its event waits in the outbox.
    expect(level.available).toBe(5);
    // A restock emits its events (stock_changed and restocked), all waiting.
    const pendingRows = await runInDurableObject(stub, (instance: InventoryShard) =>
      instance.outbox.pending(),
    );
    expect(await stub.outboxPending()).toBe(pendingRows.length);
    expect(pendingRows.map((r) => r.envelope.type).sort()).toEqual([
      'inventory.restocked',
      'inventory.stock_changed',
    ]);
    // The event carries the caller's trace and request id across the queue hop.
    const pending = pendingRows.find((r) => r.envelope.type === 'inventory.stock_changed');
    expect(pending?.envelope).toMatchObject({
      type: 'inventory.stock_changed',
      traceparent: meta.traceparent,
      correlationId: meta.requestId,
      region: 'us',
      payload: { sku, available: 5, reserved: 0 },
    });
    const alarm = await runInDurableObject(stub, (_i: InventoryShard, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).not.toBeNull();
    expect(await readModelLevel(sku)).toBeUndefined();

    // The queue recovers; the alarm relays the row.
    await runInDurableObject(stub, (instance: InventoryShard) => {
      instance.send = async (_destination, batch) => {
        await testEnv.INVENTORY_EVENTS_US.sendBatch(
          batch.map((body) => ({ body, contentType: 'json' })),
        );
      };
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.outboxPending()).toBe(0);
    expect(
      await eventually(
        () => readModelLevel(sku),
        (v) => v === 5,
      ),
    ).toBe(5);
  });

  it('a write answers once committed, not once relayed: a queue that never answers does not hold it', async () => {
    const sku = `OUTBOX-${newId('op').slice(-8)}`;
    const stub = shard();
    let sends = 0;
    let giveUp = () => {};
    await runInDurableObject(stub, (instance: InventoryShard) => {
      // The queue takes the call and does not answer until the test gives up on it.
      instance.send = () => {
        sends++;
        return new Promise<void>((_, reject) => {
          giveUp = () => reject(new Error('queue timed out (test)'));
        });
      };
    });
    const answered = await Promise.race([
      stub.restock({ sku, region: 'us', quantity: 2, operationId: newId('op') }, meta),
      new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 5000)),
    ]);
    expect(answered).toMatchObject({ available: 2, applied: true });
    // The relay did start (after the answer), and the rows wait for it, armed by the alarm.
    expect(sends).toBe(1);
    expect(await stub.outboxPending()).toBe(2);
    const alarm = await runInDurableObject(stub, (_i: InventoryShard, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).not.toBeNull();
    // Settled from the object's own context: its I/O belongs to it.
    await runInDurableObject(stub, () => giveUp());
    expect(await stub.outboxPending()).toBe(2);
  });

  it('state and outbox commit together: a change that fails writes no event', async () => {
    const sku = `OUTBOX-${newId('op').slice(-8)}`;
    const stub = shard();
    await stub.restock({ sku, region: 'us', quantity: 3, operationId: newId('op') }, meta);
    // Bypass validation to violate the available >= 0 constraint inside the transaction.
    const error = await runInDurableObject(stub, async (instance: InventoryShard) => {
      try {
        await instance.restock(
          { sku, region: 'us', quantity: -10, operationId: newId('op') },
          meta,
        );
        return undefined;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    });
    expect(error).toMatch(/CHECK constraint failed/);
    expect(await stub.outboxPending()).toBe(0);
    expect((await stub.getStock(sku, 'us')).available).toBe(3);
  });

  it('a restock with an operation id already applied has no second effect and emits nothing', async () => {
    const sku = `OUTBOX-${newId('op').slice(-8)}`;
    const stub = shard();
    const operationId = newId('op');
    const first = await stub.restock({ sku, region: 'us', quantity: 4, operationId }, meta);
    const again = await stub.restock({ sku, region: 'us', quantity: 4, operationId }, meta);
    expect(first).toMatchObject({ available: 4, applied: true });
    expect(again).toMatchObject({ available: 4, applied: false });
  });
});
