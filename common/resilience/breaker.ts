/**
 * Circuit breaker. Closed: calls flow and outcomes are counted. It opens on
 * `consecutive_failures` failures in a row, or when at least `calls_min`
 * calls in the sliding window failed at `failure_rate` or more. Open: calls
 * are refused at once (no upstream call) for `open_ms`. Half-open: up to
 * `half_open_probes` calls go through; that many successes close it, any
 * failure opens it again. State is per isolate.
 */
import { type Clock, systemClock } from './clock';
import { BulkheadRejectedError, CircuitOpenError } from './errors';
import {
  type CallContext,
  type Classifier,
  type Operation,
  type Policy,
  settle,
  unwrapOutcome,
} from './policy';
import { SlidingWindow } from './window';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  consecutive_failures: number;
  failure_rate: number;
  calls_min: number;
  window_ms: number;
  open_ms: number;
  half_open_probes: number;
  classify: Classifier;
  clock?: Clock;
  onTransition?: (from: BreakerState, to: BreakerState) => void;
}

export class CircuitBreaker implements Policy {
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  readonly #window: SlidingWindow;
  readonly #clock: Clock;

  constructor(
    readonly upstream: string,
    private readonly options: BreakerOptions,
  ) {
    this.#window = new SlidingWindow(options.window_ms);
    this.#clock = options.clock ?? systemClock;
  }

  /** The state now (an open breaker whose wait is over reads as half-open). */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#remainingOpen_ms() === 0) return 'half-open';
    return this.#state;
  }

  async execute<T>(ctx: CallContext, op: Operation<T>): Promise<T> {
    const probe = this.#admit();
    const outcome = await settle(op(ctx));
    const verdict = this.options.classify(outcome);
    if (probe) this.#probesInFlight--;
    // A refusal by the bulkhead inside is local overload, not the upstream's doing.
    const localRefusal = !outcome.ok && outcome.error instanceof BulkheadRejectedError;
    if (!localRefusal) this.#record(verdict.failure, probe);
    return unwrapOutcome(outcome);
  }

  /** Admits the call or throws; true when the call is a half-open probe. */
  #admit(): boolean {
    if (this.#state === 'open') {
      const remaining = this.#remainingOpen_ms();
      if (remaining > 0) throw new CircuitOpenError(this.upstream, remaining);
      this.#transition('half-open');
    }
    if (this.#state === 'half-open') {
      if (this.#probesInFlight >= this.options.half_open_probes) {
        throw new CircuitOpenError(this.upstream, this.options.open_ms);
      }
      this.#probesInFlight++;
      return true;
    }
    return false;
  }

  #record(failure: boolean, probe: boolean): void {
    const now = this.#clock.now();
    if (this.#state === 'half-open') {
      if (!probe) return;
      if (failure) this.#open(now);
      else if (++this.#probeSuccesses >= this.options.half_open_probes) this.#close();
      return;
    }
    if (this.#state !== 'closed') return;
    this.#window.record(failure, now);
    this.#consecutive = failure ? this.#consecutive + 1 : 0;
    if (failure && this.#shouldOpen(now)) this.#open(now);
  }

  #shouldOpen(now: number): boolean {
    if (this.#consecutive >= this.options.consecutive_failures) return true;
    const { calls, failures } = this.#window.totals(now);
    return calls >= this.options.calls_min && failures / calls >= this.options.failure_rate;
  }

  #open(now: number): void {
    this.#openedAt = now;
    this.#probeSuccesses = 0;
    this.#transition('open');
  }

  #close(): void {
    this.#consecutive = 0;
    this.#probeSuccesses = 0;
    this.#window.reset();
    this.#transition('closed');
  }

  #remainingOpen_ms(): number {
    return Math.max(0, this.#openedAt + this.options.open_ms - this.#clock.now());
  }

  #transition(to: BreakerState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.options.onTransition?.(from, to);
  }
}
