/**
 * A small configuration document (fault rules, flags) kept in one Durable
 * Object instance and read by every isolate through a short cache. The
 * Durable Object is the one strongly consistent copy; an isolate reads it at
 * most once per `cache_ms`, so a change is in force everywhere within that
 * interval (plus one read), and no request pays a round trip to the object
 * while the copy is fresh. A broken or slow store never breaks traffic: the
 * isolate keeps its last copy (at first the `initial` document) and logs.
 *
 * Services bind the object by `script_name` (its class lives in another
 * script), so they read it over its `fetch` handler and validate the answer.
 */
import type { Logger } from './log';
import { errorMessage } from './log';
import { type Clock, systemClock } from './resilience/clock';
import { withTimeout } from './resilience/timeout';

export interface DocumentCacheOptions<T> {
  /** Names the document in logs: a failed read logs `<name>.load_failed`. */
  name: string;
  /** Reads the stored document (unvalidated). */
  load: () => Promise<unknown>;
  /** Validates a read; a document that does not parse is refused, the copy kept. */
  parse: (raw: unknown) => T;
  /** The copy until the first successful read. */
  initial: T;
  /** How long an isolate trusts its copy before reading the store again. */
  cache_ms: number;
  /** A slow store must not slow every request: give up and keep the copy. */
  load_timeout_ms?: number;
  clock?: Clock;
  log?: Logger;
}

/** One isolate's cached copy of a stored document. */
export class DocumentCache<T> {
  #doc: T;
  #loaded = false;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #loading: { done: Promise<void>; startedAt: number } | undefined;
  readonly #clock: Clock;

  constructor(private readonly options: DocumentCacheOptions<T>) {
    this.#doc = options.initial;
    this.#clock = options.clock ?? systemClock;
  }

  /** True once a read of the store has succeeded (else the copy is `initial`). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * The document. When the copy is stale the caller reads the store itself;
   * while another request's read is in flight it uses the current copy
   * rather than wait on that request's I/O (Workers cancels a request that
   * waits only on another request's work as hung).
   */
  async get(): Promise<T> {
    const now = this.#clock.now();
    const stale = now - this.#fetchedAt >= this.options.cache_ms;
    if (stale && !this.#readInFlight(now)) await this.refresh();
    return this.#doc;
  }

  /** Reads the store now. */
  refresh(): Promise<void> {
    const loading = {
      startedAt: this.#clock.now(),
      done: this.#load().finally(() => {
        if (this.#loading === loading) this.#loading = undefined;
      }),
    };
    this.#loading = loading;
    return loading.done;
  }

  /** Adopts a document this isolate just wrote, so its own next request already obeys it. */
  adopt(doc: T): void {
    this.#doc = doc;
    this.#loaded = true;
    this.#fetchedAt = this.#clock.now();
  }

  /** A read started by another request; one that outlived its timeout was abandoned (its request was cancelled). */
  #readInFlight(now: number): boolean {
    const timeout_ms = this.options.load_timeout_ms ?? 500;
    return this.#loading !== undefined && now - this.#loading.startedAt < timeout_ms * 2;
  }

  async #load(): Promise<void> {
    try {
      const raw = await withTimeout(
        this.options.name,
        this.options.load_timeout_ms ?? 500,
        this.options.load(),
      );
      this.adopt(this.options.parse(raw));
    } catch (error) {
      // Keep the last copy (at first `initial`); try again after the cache interval.
      this.#fetchedAt = this.#clock.now();
      this.options.log?.warn(`${this.options.name}.load_failed`, {
        error: errorMessage(error),
        using: this.#loaded ? 'last copy' : 'defaults',
      });
    }
  }
}

/** The part of a Durable Object namespace binding a document reader needs. */
export interface DocumentNamespace {
  getByName(name: string): { fetch(input: string): Promise<Response> };
}

export function isDocumentNamespace(value: unknown): value is DocumentNamespace {
  return (
    typeof value === 'object' &&
    value !== null &&
    'getByName' in value &&
    typeof value.getByName === 'function'
  );
}

/** Loads the document from instance `instance` by `GET url` on its fetch handler. */
export function documentLoader(
  namespace: DocumentNamespace,
  instance: string,
  url: string,
): () => Promise<unknown> {
  return async () => {
    const response = await namespace.getByName(instance).fetch(url);
    if (!response.ok) throw new Error(`${new URL(url).host} answered ${response.status}`);
    return response.json();
  };
}

/**
 * The Durable Object side: answers `GET <path>` with the document, anything
 * else 404 (writes go over RPC from the gateway, never over this handler).
 */
export async function serveDocument(
  request: Request,
  url: string,
  read: () => Promise<unknown>,
): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method !== 'GET' || pathname !== new URL(url).pathname) {
    return new Response('not found', { status: 404 });
  }
  return Response.json(await read());
}
