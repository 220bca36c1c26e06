import { describe, expect, it } from 'vitest';
import { makeEnvelope } from './envelope';
import { queueSender, queuesFor } from './queues';
import { REGIONS, type Region, regionalBinding } from './regions';

/** Every destination the outboxes and consumers send to, in every region, as recording queues. */
function recordingEnv(destinations: string[], regions: readonly Region[] = REGIONS) {
  const sent: Array<{ binding: string; region: string }> = [];
  const env: Record<string, unknown> = {};
  for (const destination of destinations) {
    for (const region of regions) {
      const binding = regionalBinding(destination, region);
      env[binding] = {
        sendBatch: async (messages: Array<{ body: { region: string } }>) => {
          for (const m of messages) sent.push({ binding, region: m.body.region });
        },
      };
    }
  }
  return { env, sent };
}

const envelopeIn = (region: Region) =>
  makeEnvelope({
    type: 'test.event',
    payload: {},
    region,
    correlationId: 'c-1',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });

describe('queue routing by region', () => {
  const destinations = [
    'INVENTORY_COMMANDS',
    'PAYMENTS_COMMANDS',
    'SAGA_REPLIES',
    'INVENTORY_EVENTS',
    'LEDGER_EVENTS',
    'DEAD_LETTERS',
  ];

  it("an eu customer's messages are sent on eu queues only, whatever the destination", async () => {
    const { env, sent } = recordingEnv(destinations);
    const send = queueSender(env);
    for (const destination of destinations) await send(destination, [envelopeIn('eu')]);
    expect(sent).toHaveLength(destinations.length);
    expect(sent.every((s) => s.binding.endsWith('_EU') && s.region === 'eu')).toBe(true);
  });

  it('a batch that mixes regions is split: each message goes to its own region’s queue', async () => {
    const { env, sent } = recordingEnv(['SAGA_REPLIES']);
    await queueSender(env)('SAGA_REPLIES', [
      envelopeIn('us'),
      envelopeIn('apac'),
      envelopeIn('us'),
    ]);
    expect(sent.map((s) => [s.binding, s.region]).sort()).toEqual([
      ['SAGA_REPLIES_APAC', 'apac'],
      ['SAGA_REPLIES_US', 'us'],
      ['SAGA_REPLIES_US', 'us'],
    ]);
  });

  it('a topic reaches every subscriber of the message’s region, and none of another region', async () => {
    const sent: string[] = [];
    const queue = (name: string) => ({ sendBatch: async () => void sent.push(name) });
    const env = {
      ORDER_EVENTS_EU__READ_MODEL: queue('eu read model'),
      ORDER_EVENTS_EU__NOTIFICATIONS: queue('eu notifications'),
      ORDER_EVENTS_US__READ_MODEL: queue('us read model'),
    };
    await queueSender(env)('ORDER_EVENTS', [envelopeIn('eu')]);
    expect(sent.sort()).toEqual(['eu notifications', 'eu read model']);
  });

  it('a region without its binding is an error, never a fallback to another region’s queue', async () => {
    const { env, sent } = recordingEnv(['LEDGER_EVENTS'], ['us', 'apac']);
    await expect(queueSender(env)('LEDGER_EVENTS', [envelopeIn('eu')])).rejects.toThrow(
      /LEDGER_EVENTS_EU/,
    );
    expect(sent).toEqual([]);
  });

  it('queuesFor finds a binding or the subscribers of a topic, and nothing else', () => {
    const q = { sendBatch: async () => {} };
    const env = { A: q, B__X: q, B__Y: q, BX: q, C: 'not a queue' };
    expect(queuesFor(env, 'A')).toHaveLength(1);
    expect(queuesFor(env, 'B')).toHaveLength(2);
    expect(queuesFor(env, 'C')).toEqual([]);
  });
});
