/**
 * W3C Trace Context (`traceparent`): version-traceId-parentId-flags.
 * We continue a caller's trace when it sends a valid header, otherwise start one.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

function hex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

export function parseTraceparent(header: string | null | undefined): TraceContext | undefined {
  const match = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = '01'] = match;
  // All-zero ids are invalid per the spec.
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

/** A child span of `parent` (or a fresh trace), formatted as a `traceparent` header. */
export function childTraceparent(parent?: TraceContext): string {
  const traceId = parent?.traceId ?? hex(16);
  return `00-${traceId}-${hex(8)}-${parent?.flags ?? '01'}`;
}

export function traceIdOf(traceparent: string): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}
