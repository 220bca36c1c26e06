/**
 * Per-attempt deadline. The attempt gets an AbortSignal that fires at the
 * deadline so inner waits (bulkhead queue, injected latency) stop early;
 * an RPC already sent cannot be cancelled, so its late answer is ignored.
 */
import { TimeoutError } from './errors';
import type { CallContext, Operation, Policy } from './policy';

export interface TimeoutOptions {
  /** Used when the call does not set its own `timeout_ms`. */
  timeout_ms: number;
}

export class TimeoutPolicy implements Policy {
  constructor(private readonly options: TimeoutOptions) {}

  execute<T>(ctx: CallContext, op: Operation<T>): Promise<T> {
    const timeout_ms = ctx.timeout_ms ?? this.options.timeout_ms;
    return withDeadline(ctx.upstream, timeout_ms, ctx.signal, (signal) => op({ ...ctx, signal }));
  }
}

/**
 * Runs `work` with a signal that aborts after `timeout_ms` (or when `parent`
 * aborts) and rejects with TimeoutError at the deadline.
 */
export async function withDeadline<T>(
  upstream: string,
  timeout_ms: number,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timeout = new TimeoutError(upstream, timeout_ms);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(timeout);
      reject(timeout);
    }, timeout_ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}

/** A plain promise with a deadline (for probes outside the policy chain). */
export function withTimeout<T>(what: string, timeout_ms: number, work: Promise<T>): Promise<T> {
  return withDeadline(what, timeout_ms, undefined, () => work);
}
