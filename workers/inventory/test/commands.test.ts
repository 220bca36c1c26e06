/** The saga's commands over the queue: same idempotent code as RPC, one reply per command. */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { INVENTORY_COMMAND_RESULT, INVENTORY_COMMANDS } from '@common/contracts/inventory';
import { type Envelope, makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { handleInventoryCommand, type InventoryCommands } from '../src/commands';
import InventoryService from '../src/index';
import { freshSku, inventory, level, restock } from './helpers';

const service = inventory as unknown as InventoryCommands;

function command(type: string, payload: unknown, correlationId = newId('ord')) {
  return makeEnvelope({
    type,
    payload,
    region: 'us',
    correlationId,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
}

async function send(envelope: Envelope) {
  const replies: Envelope[] = [];
  await handleInventoryCommand(service, envelope, async (reply) => {
    replies.push(reply);
  });
  return replies;
}

describe('inventory commands', () => {
  it('reserve, then confirm: each answered once; a redelivered command replies the same, holds nothing twice', async () => {
    const sku = freshSku('cmd');
    await restock(sku, 5);
    const reservationId = newId('res');
    const reserve = command(INVENTORY_COMMANDS.reserveItems, {
      reservationId,
      region: 'us',
      items: [{ sku, quantity: 2 }],
      ttl_ms: 60_000,
    });
    const [first] = await send(reserve);
    const [again] = await send(reserve);
    expect(first?.type).toBe(INVENTORY_COMMAND_RESULT);
    expect(first?.id).toBe(`${reserve.id}:reply`);
    expect(again?.id).toBe(first?.id);
    expect(again?.payload).toEqual(first?.payload);
    expect(first?.payload).toMatchObject({ ok: true, value: { status: 'held' } });
    expect(first?.correlationId).toBe(reserve.correlationId);
    expect(await level(sku)).toMatchObject({ available: 3, reserved: 2 });

    const [confirmed] = await send(
      command(INVENTORY_COMMANDS.confirmReservation, { reservationId, region: 'us', skus: [sku] }),
    );
    expect(confirmed?.payload).toMatchObject({ ok: true, value: { status: 'confirmed' } });
    expect(await level(sku)).toMatchObject({ available: 3, reserved: 0, sold: 2 });
  });

  it('a rejection is an answer (out_of_stock), and a malformed command is answered, not retried', async () => {
    const sku = freshSku('cmdshort');
    await restock(sku, 1);
    const [short] = await send(
      command(INVENTORY_COMMANDS.reserveItems, {
        reservationId: newId('res'),
        region: 'us',
        items: [{ sku, quantity: 2 }],
        ttl_ms: 60_000,
      }),
    );
    expect(short?.payload).toMatchObject({ ok: false, problem: { code: 'out_of_stock' } });
    const [bad] = await send(command(INVENTORY_COMMANDS.releaseReservation, { nonsense: true }));
    expect(bad?.payload).toMatchObject({
      ok: false,
      problem: { status: 400, code: 'reservation_invalid' },
    });
  });

  it('the queue handler acks each command after its reply is sent', async () => {
    const sku = freshSku('cmdqueue');
    await restock(sku, 2);
    const envelope = command(INVENTORY_COMMANDS.reserveItems, {
      reservationId: newId('res'),
      region: 'us',
      items: [{ sku, quantity: 1 }],
      ttl_ms: 60_000,
    });
    const batch = createMessageBatch('meridian-inventory-commands-us', [
      { id: envelope.id, timestamp: Date.now(), attempts: 1, body: envelope },
    ]);
    const ctx = createExecutionContext();
    await new InventoryService(ctx, env).queue(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([envelope.id]);
    expect(await level(sku)).toMatchObject({ available: 1, reserved: 1 });
  });
});
