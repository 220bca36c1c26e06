/** Placement by event time at the edges of the allowed lateness, without I/O. */
import { MINUTE_MS, minuteOf } from '@common/contracts/analytics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placement } from './windows';

const LATENESS_MS = 120_000;

describe('placement', () => {
  it('an event is placed in its minute until the lateness after that minute ends', () => {
    const minute = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE_MS);
    const at = minute + 30_000;
    const lastChance = minute + MINUTE_MS + LATENESS_MS - 1;
    expect(placement(at, lastChance, LATENESS_MS)).toEqual({ late: false, minute });
    expect(placement(at, lastChance + 1, LATENESS_MS)).toEqual({
      late: true,
      minute: minuteOf(lastChance + 1),
    });
  });

  it('every event is either placed in its own minute or counted late in the minute it arrived', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: -10 * MINUTE_MS, max: 10 * MINUTE_MS }),
        (now, offset) => {
          const at = now + offset;
          const p = placement(at, now, LATENESS_MS);
          if (p.late) expect(p.minute).toBe(minuteOf(now));
          else {
            expect(p.minute).toBe(minuteOf(at));
            expect(now).toBeLessThan(p.minute + MINUTE_MS + LATENESS_MS);
            expect(at).toBeLessThanOrEqual(now + LATENESS_MS);
          }
        },
      ),
    );
  });
});
