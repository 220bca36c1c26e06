/**
 * A saga's log as the console shows it: replies paired with the command
 * they answer, their path, how long each status held, fallbacks counted.
 */
import { describe, expect, it } from 'vitest';
import { type SagaLogEntry, timeline } from './timeline';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, 0, ms)).toISOString();
let seq = 0;
const entry = (
  ms: number,
  kind: string,
  type: string,
  detail: unknown = {},
  via: SagaLogEntry['via'] = null,
): SagaLogEntry => ({
  seq: ++seq,
  at: at(ms),
  kind,
  type,
  via,
  detail: JSON.stringify(detail),
});

describe('saga timeline', () => {
  it('pairs each reply with its command, says its path, and how long each status held', () => {
    const log = [
      entry(0, 'transition', 'PENDING'),
      entry(1, 'command', 'inventory.reserve'),
      entry(30, 'reply', 'inventory.reserved', { outcome: 'applied' }, 'fast_path'),
      entry(30, 'transition', 'STOCK_RESERVED'),
      entry(31, 'command', 'payments.capture'),
      entry(1031, 'fallback', 'payments.capture', { to: 'queue' }),
      entry(2500, 'reply', 'payments.captured', {
        outcome: 'applied',
        detail: { queue: 'saga-replies' },
      }),
      entry(2500, 'transition', 'CONFIRMED'),
    ];
    // Out of order on input: the sequence decides.
    const t = timeline([...log].reverse());
    expect(t.entries.map((e) => e.type)).toEqual(log.map((e) => e.type));
    const replies = t.entries.filter((e) => e.kind === 'reply');
    expect(replies.map((r) => [r.path, r.replyAfter_ms, r.outcome])).toEqual([
      ['fast path', 29, 'applied'],
      ['queue', 2469, 'applied'],
    ]);
    const transitions = t.entries.filter((e) => e.kind === 'transition');
    expect(transitions.map((e) => e.stayed_ms)).toEqual([30, 2470, null]);
    expect(t).toMatchObject({ fastPath: 1, queue: 1, fallbacks: 1, total_ms: 2500 });
    expect(t.entries.at(-1)?.offset_ms).toBe(2500);
  });

  it('pairs a reply with the command its detail names, even out of order', () => {
    const t = timeline([
      entry(0, 'command', 'inventory.reserve_items', { messageId: 'msg_A' }),
      entry(5, 'command', 'payments.capture_payment', { messageId: 'msg_B' }),
      entry(40, 'reply', 'payments.payment_captured', {
        outcome: 'applied',
        detail: { messageId: 'msg_B:reply', payload: { result: { commandId: 'msg_B' } } },
      }),
      entry(90, 'reply', 'inventory.stock_reserved', { detail: { messageId: 'msg_A:reply' } }),
    ]);
    expect(t.entries.filter((e) => e.kind === 'reply').map((e) => e.replyAfter_ms)).toEqual([
      35, 90,
    ]);
    // Replies recorded before the fast path existed name no path: the queue was the only one.
    expect(t.queue).toBe(2);
  });

  it('keeps a detail that is not JSON as text, and an empty log is empty', () => {
    const t = timeline([
      { seq: 1, at: at(0), kind: 'event', type: 'order.status_changed', detail: 'not json' },
    ]);
    expect(t.entries[0]?.detailJson).toBe('not json');
    expect(timeline([])).toEqual({
      entries: [],
      fastPath: 0,
      queue: 0,
      fallbacks: 0,
      total_ms: null,
    });
  });
});
