import { describe, expect, it } from 'vitest';
import { answerCommand, type CommandHandlers } from './commands';
import { makeEnvelope } from './envelope';
import { ok } from './problem';

const command = (type: string) =>
  makeEnvelope({
    type,
    payload: {},
    region: 'us',
    correlationId: 'ord_TEST',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });

describe('answerCommand', () => {
  it('a message type that names an Object.prototype member runs no handler', async () => {
    const replies: unknown[] = [];
    const handlers: CommandHandlers = { 'inventory.reserve_items': async () => ok(1) };
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const outcome = await answerCommand(command(type), handlers, 'x.result', async (r) => {
        replies.push(r);
      });
      expect(outcome).toBe('ignored');
    }
    expect(replies).toEqual([]);
    const known = await answerCommand(
      command('inventory.reserve_items'),
      handlers,
      'x',
      async (r) => {
        replies.push(r);
      },
    );
    expect(known).toBe('applied');
  });
});
