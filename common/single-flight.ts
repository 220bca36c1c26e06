/**
 * Coalesces concurrent work on one key within an isolate: the first caller
 * runs it, callers that arrive while it runs await the same promise.
 *
 * Workers cancel the continuations of a request that awaits a promise created
 * by another request once that other request has ended. So the leader keeps
 * its request alive (`keepAlive`, i.e. `ctx.waitUntil`) until the work
 * settles, and a follower waits at most `wait_ms_max` from the leader's start
 * before it runs the work itself and takes over the slot: a lost leader can
 * delay its followers, never hang them, and a slow D1 still sees at most one
 * load per key per `wait_ms_max`.
 */

type Settled<T> = { settled: true; value: T } | { settled: false };

function within<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  const value = promise.then((v): Settled<T> => ({ settled: true, value: v }));
  return Promise.race([value, timeout]).finally(() => clearTimeout(timer));
}

export interface Flight<T> {
  value: T;
  /** True when this caller joined work another caller started. */
  joined: boolean;
}

export class SingleFlight<T> {
  readonly #inflight = new Map<string, { promise: Promise<T>; startedAt: number }>();
  readonly #waitMax: number;
  readonly #now: () => number;

  constructor(wait_ms_max: number, now: () => number = Date.now) {
    this.#waitMax = wait_ms_max;
    this.#now = now;
  }

  /** Keys with work in flight. */
  get size(): number {
    return this.#inflight.size;
  }

  async run(
    key: string,
    work: () => Promise<T>,
    keepAlive: (settled: Promise<unknown>) => void,
  ): Promise<Flight<T>> {
    const current = this.#inflight.get(key);
    if (current) {
      const left = this.#waitMax - (this.#now() - current.startedAt);
      if (left > 0) {
        const outcome = await within(current.promise, left);
        if (outcome.settled) return { value: outcome.value, joined: true };
      }
    }
    return { value: await this.#start(key, work, keepAlive), joined: false };
  }

  #start(key: string, work: () => Promise<T>, keepAlive: (p: Promise<unknown>) => void) {
    const promise = Promise.resolve().then(work);
    const entry = { promise, startedAt: this.#now() };
    this.#inflight.set(key, entry);
    const done = promise.then(
      () => undefined,
      () => undefined,
    );
    keepAlive(
      done.then(() => {
        if (this.#inflight.get(key) === entry) this.#inflight.delete(key);
      }),
    );
    return promise;
  }
}
