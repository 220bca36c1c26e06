/**
 * Consumer faults (`queue:<name>` rules) in `consumeBatch`: an error or drop
 * rule fails the delivery before the handler runs, so the message is retried
 * (and after max_retries dead-lettered) like any failing delivery; a latency
 * rule delays it; without rules the handler runs and the message is acked.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { consumeBatch } from '@common/consumer';
import { makeEnvelope } from '@common/envelope';
import { consumerFaultCounts } from '@common/resilience/consumer-faults';
import { beforeEach, describe, expect, it } from 'vitest';
import { clearFaults, putFaults } from '../../test/support/faults';

const QUEUE = 'meridian-test-events';

function batch() {
  const envelope = makeEnvelope({
    type: 'test.happened',
    payload: { n: 1 },
    region: 'us',
    correlationId: 'corr_test',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  return createMessageBatch(QUEUE, [
    { id: 'm1', timestamp: new Date(), attempts: 1, body: envelope },
  ]);
}

async function consume() {
  const messages = batch();
  let handled = 0;
  const started = Date.now();
  await consumeBatch(
    messages,
    async () => {
      handled++;
      return 'applied';
    },
    { service: 'test' },
  );
  const result = await getQueueResult(messages, createExecutionContext());
  return { handled, result, ms: Date.now() - started };
}

beforeEach(clearFaults);

describe('consumer fault injection', () => {
  it('without rules the handler runs and the message is acked', async () => {
    const { handled, result } = await consume();
    expect(handled).toBe(1);
    expect(result.explicitAcks).toEqual(['m1']);
  });

  it('an error rule fails the delivery: the handler never runs and the message is retried', async () => {
    await putFaults([{ target: `queue:${QUEUE}`, kind: 'error', rate: 1 }]);
    const before = consumerFaultCounts().get(`queue:${QUEUE} error`) ?? 0;
    const { handled, result } = await consume();
    expect(handled).toBe(0);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m1']);
    expect((consumerFaultCounts().get(`queue:${QUEUE} error`) ?? 0) - before).toBe(1);
  });

  it('a drop rule loses the delivery the same way: retried, not handled', async () => {
    await putFaults([{ target: `queue:${QUEUE}`, kind: 'drop', rate: 1 }]);
    const { handled, result } = await consume();
    expect(handled).toBe(0);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m1']);
  });

  it('a latency rule delays the handler, which then runs', async () => {
    await putFaults([{ target: `queue:${QUEUE}`, kind: 'latency', rate: 1, latencyMs: 300 }]);
    const { handled, result, ms } = await consume();
    expect(handled).toBe(1);
    expect(result.explicitAcks).toEqual(['m1']);
    expect(ms).toBeGreaterThanOrEqual(290);
  });

  it('rules for another queue do not apply', async () => {
    await putFaults([{ target: 'queue:some-other-queue', kind: 'error', rate: 1 }]);
    const { handled } = await consume();
    expect(handled).toBe(1);
  });
});
