/**
 * Live telemetry for the overview: `/metrics` scraped every few seconds
 * while an admin is signed in, whatever page is open, and turned into
 * points (request rate, 5xx rate, p50/p99 latency, per-upstream rates and
 * latency) kept in a ring buffer that the plots read. Rates and quantiles
 * are over the interval between two scrapes, from counter and bucket
 * increases. The console's own scrapes of `/metrics` are left out.
 */
import type { Session } from './api';
import {
  bucketIncrease,
  histogram,
  increase,
  type Labels,
  parsePrometheus,
  quantile,
  type Sample,
  total,
  totalBy,
} from './prometheus';

export const SCRAPE_EVERY_MS = 5_000;
/** Points kept: 15 minutes at one scrape every 5 s. */
export const POINTS_MAX = 180;

export interface UpstreamPoint {
  callsPerS: number;
  failuresPerS: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface Point {
  /** Epoch seconds (uPlot's x). */
  t: number;
  requestsPerS: number;
  errorsPerS: number;
  p50_ms: number | null;
  p99_ms: number | null;
  upstream: Record<string, UpstreamPoint>;
}

interface Scrape {
  at_ms: number;
  samples: Sample[];
}

const notScrape = (l: Labels) => l.route !== '/metrics';
const isServerError = (l: Labels) => notScrape(l) && (l.status ?? '').startsWith('5');
const isGateway = (l: Labels) => l.service === undefined || l.service === 'gateway';

function derive(now: Scrape, before: Scrape): Point {
  const seconds = Math.max(0.001, (now.at_ms - before.at_ms) / 1000);
  const perS = (name: string, match: (l: Labels) => boolean) =>
    increase(total(now.samples, name, match) ?? 0, total(before.samples, name, match)) / seconds;
  const gw = (match: (l: Labels) => boolean) => (l: Labels) => isGateway(l) && match(l);
  const latency = bucketIncrease(
    histogram(now.samples, 'meridian_http_request_duration_seconds', gw(notScrape)),
    histogram(before.samples, 'meridian_http_request_duration_seconds', gw(notScrape)),
  );
  const ms = (q: number, buckets: ReturnType<typeof histogram>) => {
    const seconds_q = quantile(q, buckets);
    return seconds_q === null ? null : seconds_q * 1000;
  };
  const upstream: Record<string, UpstreamPoint> = {};
  const names = totalBy(now.samples, 'meridian_upstream_calls_total', 'upstream', isGateway);
  for (const name of names.keys()) {
    const of = (l: Labels) => isGateway(l) && l.upstream === name;
    const buckets = bucketIncrease(
      histogram(now.samples, 'meridian_upstream_call_duration_seconds', of),
      histogram(before.samples, 'meridian_upstream_call_duration_seconds', of),
    );
    upstream[name] = {
      callsPerS: perS('meridian_upstream_calls_total', of),
      failuresPerS: perS('meridian_upstream_calls_total', (l) => of(l) && l.outcome !== 'ok'),
      p50_ms: ms(0.5, buckets),
      p99_ms: ms(0.99, buckets),
    };
  }
  return {
    t: now.at_ms / 1000,
    requestsPerS: perS('meridian_http_requests_total', gw(notScrape)),
    errorsPerS: perS('meridian_http_requests_total', gw(isServerError)),
    p50_ms: ms(0.5, latency),
    p99_ms: ms(0.99, latency),
    upstream,
  };
}

export class Telemetry {
  readonly points: Point[] = [];
  latest: Sample[] = [];
  latestAt_ms = 0;
  error: string | undefined;
  #previous: Scrape | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #listeners = new Set<() => void>();

  constructor(private readonly session: Session) {}

  start(): void {
    if (this.#timer) return;
    void this.scrape();
    this.#timer = setInterval(() => void this.scrape(), SCRAPE_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#previous = undefined;
    this.points.length = 0;
    this.latest = [];
  }

  /** Called after every scrape; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async scrape(): Promise<void> {
    try {
      const text = await this.session.call<string>('GET', '/metrics', { text: true });
      const scrape = { at_ms: Date.now(), samples: parsePrometheus(text) };
      if (this.#previous) {
        this.points.push(derive(scrape, this.#previous));
        if (this.points.length > POINTS_MAX) this.points.shift();
      }
      this.#previous = scrape;
      this.latest = scrape.samples;
      this.latestAt_ms = scrape.at_ms;
      this.error = undefined;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
    for (const listener of this.#listeners) listener();
  }
}
