/**
 * Structured JSON logs: one line per event, always carrying the request id
 * and traceparent of the work it belongs to so lines can be joined across
 * workers and queue hops, and the worker version that wrote it.
 */
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

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  with(extra: Partial<LogContext>): Logger;
}

export function createLogger(given: LogContext): Logger {
  // During a gradual deployment two versions log side by side: name ours.
  const context: LogContext = { workerVersion: workerVersion(), ...given };
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    const line = JSON.stringify({
      level,
      msg,
      time: new Date().toISOString(),
      ...context,
      ...fields,
    });
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  };
  return {
    log,
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    with: (extra) => createLogger({ ...context, ...extra }),
  };
}

/** The message of an unknown thrown value, for logs only (never sent to clients). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
