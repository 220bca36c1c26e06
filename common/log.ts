/**
 * Structured JSON logs: one line per event, always carrying the request id
 * and traceparent of the work it belongs to so lines can be joined across
 * workers and queue hops, and the worker version that wrote it. The one
 * logger every worker uses.
 *
 * What is written, and what it costs (docs/logging.md):
 * - A line below the worker's `LOG_LEVEL` is dropped before any of it is
 *   built: no timestamp, no `JSON.stringify`, no console call. An error line
 *   is never dropped, whatever the level.
 * - An access line (`access`: one per request at the gateway, one per queue
 *   message in a consumer) is an info line that is written with probability
 *   `ACCESS_LOG_SAMPLE_RATE`, and says so (`sample_rate`) so that counts can
 *   be weighted back; exact counts come from `/metrics`. An access line that
 *   reports a failure (status 5xx) is always written, as an error.
 * - Warnings are never sampled.
 * Both vars come from the worker's own wrangler.toml through
 * `import { env } from 'cloudflare:workers'`, so no caller passes them.
 */
import { env } from 'cloudflare:workers';
import { type VersionInfo, workerVersion } from './version';

export interface LogContext {
  service: string;
  requestId?: string;
  traceparent?: string;
  correlationId?: string;
  /**
   * The running worker version (`version_metadata`), filled in by
   * createLogger; not `version`, which events use for their own versions.
   */
  workerVersion?: VersionInfo;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The fields of an access line; `status` (HTTP) decides whether it may be sampled out. */
export interface AccessFields extends LogFields {
  status?: number;
}

export interface LogSettings {
  /** Lines below this level are dropped; error lines never are. */
  level: LogLevel;
  /** Probability in [0, 1] that a successful access line is written. */
  access_sample_rate: number;
  /** Uniform in [0, 1); injectable so that tests can seed it. */
  random: () => number;
  /** Where a written line goes. */
  write: (level: LogLevel, line: string) => void;
}

export interface Logger {
  /** Whether a line at `level` would be written: guard fields that are costly to build. */
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The access line of a request or message: sampled unless it reports a 5xx. */
  access(msg: string, fields: AccessFields): void;
  with(extra: Partial<LogContext>): Logger;
}

function writeToConsole(level: LogLevel, line: string): void {
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else if (level === 'debug') console.debug(line);
  else console.log(line);
}

export const isLogLevel = (value: unknown): value is LogLevel =>
  typeof value === 'string' && Object.hasOwn(SEVERITY, value);

/** A rate from a var: a number in [0, 1]; anything else writes every line. */
function sampleRate(value: unknown): number {
  const rate = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(rate) ? Math.min(1, Math.max(0, rate)) : 1;
}

/**
 * Settings from a worker's vars. An unknown `LOG_LEVEL` means `info`, an
 * unreadable `ACCESS_LOG_SAMPLE_RATE` means 1: a typo loses no lines.
 */
export function logSettings(
  vars: { LOG_LEVEL?: unknown; ACCESS_LOG_SAMPLE_RATE?: unknown },
  overrides: Partial<LogSettings> = {},
): LogSettings {
  return {
    level: isLogLevel(vars.LOG_LEVEL) ? vars.LOG_LEVEL : 'info',
    access_sample_rate: sampleRate(vars.ACCESS_LOG_SAMPLE_RATE),
    random: Math.random,
    write: writeToConsole,
    ...overrides,
  };
}

let isolateSettings: LogSettings | undefined;

/**
 * This worker's settings, from its vars, read once per isolate: vars do not
 * change under a running isolate, and each read of `env` costs a lookup.
 */
export function workerLogSettings(): LogSettings {
  isolateSettings ??= logSettings({
    LOG_LEVEL: Reflect.get(env, 'LOG_LEVEL'),
    ACCESS_LOG_SAMPLE_RATE: Reflect.get(env, 'ACCESS_LOG_SAMPLE_RATE'),
  });
  return isolateSettings;
}

/**
 * One logger per request or message: a class, so that making one allocates
 * an object and no closures. Call its methods on it (`log.warn(…)`), not
 * detached.
 */
class JsonLogger implements Logger {
  readonly #context: LogContext;
  readonly #settings: LogSettings;
  readonly #threshold: number;

  constructor(context: LogContext, settings: LogSettings) {
    this.#context = context;
    this.#settings = settings;
    this.#threshold = SEVERITY[settings.level];
  }

  enabled(level: LogLevel): boolean {
    return level === 'error' || SEVERITY[level] >= this.#threshold;
  }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (this.enabled(level)) this.#emit(level, msg, fields);
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.#emit('error', msg, fields);
  }

  access(msg: string, fields: AccessFields): void {
    if (fields.status !== undefined && fields.status >= 500) {
      this.#emit('error', msg, fields);
      return;
    }
    const rate = this.#settings.access_sample_rate;
    if (!this.enabled('info') || rate <= 0 || (rate < 1 && this.#settings.random() >= rate)) return;
    this.#emit('info', msg, rate < 1 ? { ...fields, sample_rate: rate } : fields);
  }

  with(extra: Partial<LogContext>): Logger {
    return new JsonLogger({ ...this.#context, ...extra }, this.#settings);
  }

  #emit(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    const line = { level, msg, time: new Date().toISOString(), ...this.#context, ...fields };
    this.#settings.write(level, JSON.stringify(line));
  }
}

/**
 * @example
 * const log = createLogger({ service: 'gateway', requestId, traceparent });
 * log.warn('upstream.retry', { upstream: 'catalog', attempt });
 * log.access('http.request', { method, path, status, duration_ms });
 */
export function createLogger(
  given: LogContext,
  settings: LogSettings = workerLogSettings(),
): Logger {
  // During a gradual deployment two versions log side by side: name ours.
  return new JsonLogger({ workerVersion: workerVersion(), ...given }, settings);
}

/** The message of an unknown thrown value, for logs only (never sent to clients). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
