/**
 * A clock that moves only when told to, for tests of time-driven policies:
 * `advance(ms)` fires every sleep that falls due, in order.
 */
import { abortReason, type Clock } from './clock';

interface Sleeper {
  at: number;
  resolve(): void;
}

export class ManualClock implements Clock {
  #now: number;
  readonly #sleepers: Sleeper[] = [];
  /** Every sleep asked for, in ms (what a retry policy waited, for instance). */
  readonly slept: number[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.slept.push(ms);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = { at: this.#now + ms, resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers.splice(this.#sleepers.indexOf(sleeper), 1);
          reject(abortReason(signal));
        },
        { once: true },
      );
    });
  }

  /** Moves time forward, waking due sleepers; lets their continuations run. */
  async advance(ms: number): Promise<void> {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.at <= this.#now).sort((a, b) => a.at - b.at);
    for (const sleeper of due) {
      this.#sleepers.splice(this.#sleepers.indexOf(sleeper), 1);
      sleeper.resolve();
    }
    await flush();
  }
}

/** Lets pending promise continuations run. */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
