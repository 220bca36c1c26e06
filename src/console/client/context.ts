/** What every view gets: the session, live telemetry, the deployment's lists, and helpers. */
import { ApiError, type Session } from './api';
import { h, type Tone } from './dom';
import type { Telemetry } from './telemetry';

export interface ConsoleConfig {
  regions: string[];
  orderStatuses: string[];
  services: string[];
}

export interface Ctx {
  session: Session;
  telemetry: Telemetry;
  config: ConsoleConfig;
  /** A message in the page's polite live region. */
  notify(message: string, tone?: Tone): void;
}

export interface Mounted {
  node: HTMLElement;
  cleanup?: () => void;
}

export type View = (ctx: Ctx, params: string[]) => Mounted;

/**
 * Runs `task` now and then every `every_ms` until stopped; never two at
 * once, so a slow answer delays the next call instead of piling them up.
 */
export function poll(task: () => Promise<void>, every_ms: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      await task();
    } catch (error) {
      // A view's own errors are shown in the view; this is a bug in the console.
      console.error('console poll failed', error);
    } finally {
      if (!stopped) timer = setTimeout(run, every_ms);
    }
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * For views whose requests can overlap (a poll and a change of filter):
 * `const fresh = begin()` before asking, and drop the answer unless
 * `fresh()` still holds, so a late answer never replaces a newer one.
 */
export function latestOnly(): () => () => boolean {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}

export const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** An inline error: says what failed, with the request id to find it in the logs. */
export function errorNote(what: string, error: unknown): HTMLElement {
  const id = error instanceof ApiError ? error.problem.requestId : undefined;
  return h(
    'p',
    { class: 'note bad', role: 'alert' },
    `${what}: ${messageOf(error)}`,
    id ? h('small', {}, ` (request ${id})`) : null,
  );
}

/** A page heading with optional actions beside it. */
export function heading(title: string, ...actions: Array<HTMLElement | null>): HTMLElement {
  return h(
    'div',
    { class: 'page-head' },
    h('h1', {}, title),
    h('div', { class: 'actions' }, ...actions),
  );
}
