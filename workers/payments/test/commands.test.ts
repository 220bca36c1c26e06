/** The saga's payment commands over the queue: at most once, one reply per command. */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { PAYMENT_COMMAND_RESULT, PAYMENT_COMMANDS } from '@common/contracts/payments';
import { type Envelope, makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { handlePaymentCommand, type PaymentCommands } from '../src/commands';
import PaymentsService from '../src/index';
import { balanceOf, deposit, newCustomer, payments } from './helpers';

const service = payments as unknown as PaymentCommands;

function command(type: string, payload: unknown) {
  return makeEnvelope({
    type,
    payload,
    region: 'us',
    correlationId: newId('ord'),
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
}

async function send(envelope: Envelope) {
  const replies: Envelope[] = [];
  await handlePaymentCommand(service, envelope, async (reply) => {
    replies.push(reply);
  });
  return replies;
}

describe('payment commands', () => {
  it('a capture is answered once; its redelivery replies the same and charges nothing twice', async () => {
    const c = newCustomer();
    await deposit(c, 100);
    const capture = command(PAYMENT_COMMANDS.capturePayment, {
      ...c,
      amount: 60,
      orderId: 'ord_X',
      operationId: 'capture:ord_X',
    });
    const [first] = await send(capture);
    const [again] = await send(capture);
    expect(first?.type).toBe(PAYMENT_COMMAND_RESULT);
    expect(again?.id).toBe(first?.id);
    expect(first?.payload).toMatchObject({ ok: true, value: { balance: { amount: 40 } } });
    expect(await balanceOf(c)).toEqual({ balance: 40, inTransit: 0 });
  });

  it('insufficient funds is an answer, not a retry', async () => {
    const c = newCustomer();
    await deposit(c, 10);
    const [reply] = await send(
      command(PAYMENT_COMMANDS.capturePayment, {
        ...c,
        amount: 11,
        orderId: 'ord_Y',
        operationId: 'capture:ord_Y',
      }),
    );
    expect(reply?.payload).toMatchObject({ ok: false, problem: { code: 'insufficient_funds' } });
  });

  it('the queue handler routes the commands queue and acks after replying', async () => {
    const c = newCustomer();
    await deposit(c, 30);
    const envelope = command(PAYMENT_COMMANDS.capturePayment, {
      ...c,
      amount: 30,
      orderId: 'ord_Z',
      operationId: 'capture:ord_Z',
    });
    const batch = createMessageBatch('meridian-payment-commands-us', [
      { id: envelope.id, timestamp: Date.now(), attempts: 1, body: envelope },
    ]);
    const ctx = createExecutionContext();
    await new PaymentsService(ctx, env).queue(batch);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([envelope.id]);
    expect(await balanceOf(c)).toEqual({ balance: 0, inTransit: 0 });
  });
});
