/**
 * Transfer notices: each side of a transfer is told by the event its own
 * ledger published (the sender's debit or reversal, the recipient's
 * credit), in its own home region's inbox, once however often the event is
 * delivered.
 */
import { exports } from 'cloudflare:workers';
import { TRANSFER_EVENT, type TransferEventMessage } from '@common/contracts/payments';
import { makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import type NotificationsService from '../src/index';
import { countByRegion, deliver, only } from './helpers';

const service = exports.default as unknown as Service<typeof NotificationsService>;
const QUEUE = 'meridian-notification-events';

function transferEvent(
  side: TransferEventMessage['type'],
  t: { transferId: string; from: string; to: string; fromRegion: 'us'; toRegion: 'eu' },
) {
  const told = side === 'TransferCredited' ? t.to : t.from;
  const region = side === 'TransferCredited' ? t.toRegion : t.fromRegion;
  const payload: TransferEventMessage = {
    transferId: t.transferId,
    customerId: told,
    region,
    type: side,
    fromCustomerId: t.from,
    toCustomerId: t.to,
    amount: 700,
    currency: 'USD',
    at: Date.now(),
  };
  return makeEnvelope({
    type: TRANSFER_EVENT,
    payload,
    region,
    correlationId: t.transferId,
    traceparent: '',
  });
}

/** A transfer from a us customer to an eu customer. */
const aTransfer = () => ({
  transferId: newId('trf'),
  from: newId('cus'),
  to: newId('cus'),
  fromRegion: 'us' as const,
  toRegion: 'eu' as const,
});

describe('transfer notices', () => {
  it('the sender is told transfer.sent and the recipient transfer.received, each in their region, once', async () => {
    const t = aTransfer();
    const debited = transferEvent('TransferDebited', t);
    const credited = transferEvent('TransferCredited', t);
    // Delivered twice each: the inbox applies an event once.
    const result = await deliver(QUEUE, [debited, credited, debited, credited]);
    expect(result.retryMessages).toHaveLength(0);
    const parties = { transferId: t.transferId, fromCustomerId: t.from, toCustomerId: t.to };
    const amount = { amount: 700, currency: 'USD' };
    expect(await service.listNotifications(t.from, 'us')).toEqual([
      expect.objectContaining({ type: 'transfer.sent', ...parties, amount }),
    ]);
    expect(await service.listNotifications(t.to, 'eu')).toEqual([
      expect.objectContaining({ type: 'transfer.received', ...parties, amount }),
    ]);
    expect(await countByRegion('notifications', 'customer_id = ?', t.from)).toEqual(only('us'));
    expect(await countByRegion('notifications', 'customer_id = ?', t.to)).toEqual(only('eu'));
  });

  it('a reversal tells the sender the amount came back', async () => {
    const t = aTransfer();
    await deliver(QUEUE, [transferEvent('TransferReversed', t)]);
    expect(await service.listNotifications(t.from, 'us')).toEqual([
      expect.objectContaining({ type: 'transfer.reversed', transferId: t.transferId }),
    ]);
  });
});
