/**
 * A saga's log as a timeline: each entry with its offset from the start,
 * and durations where they mean something: a reply pairs with the command
 * it answers (the one its detail names; else the oldest unanswered one, as
 * the saga sends one command at a time), and a status lasts until the next
 * transition. Replies say whether they came by the fast path (the direct
 * call) or the queue.
 */

export interface SagaLogEntry {
  seq: number;
  at: string;
  kind: string;
  type: string;
  via?: 'fast_path' | 'queue' | null;
  detail: string;
}

export interface TimelineEntry extends SagaLogEntry {
  at_ms: number;
  offset_ms: number;
  detailJson: unknown;
  /** For replies: how the reply came. */
  path: 'fast path' | 'queue' | null;
  /** For replies: time since the command they answer. */
  replyAfter_ms: number | null;
  /** For transitions: how long the saga stayed in that status (null while it still is). */
  stayed_ms: number | null;
  outcome: string | null;
}

export interface Timeline {
  entries: TimelineEntry[];
  fastPath: number;
  queue: number;
  /** Fast-path calls that failed and fell back to the queue. */
  fallbacks: number;
  /** Placement to the last transition. */
  total_ms: number | null;
}

function parse(detail: string): unknown {
  try {
    return JSON.parse(detail) as unknown;
  } catch {
    return detail;
  }
}

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

function pathOf(entry: SagaLogEntry): TimelineEntry['path'] {
  if (entry.kind !== 'reply') return null;
  if (entry.via === 'fast_path') return 'fast path';
  // Before the fast path existed replies recorded no path: the queue was the only one.
  return 'queue';
}

/** The command a reply answers, when its detail names it (result.commandId, or `<command id>:reply`). */
function commandIdOf(detail: unknown): string | undefined {
  const inner = field(detail, 'detail');
  const result = field(inner, 'result') ?? field(field(inner, 'payload'), 'result');
  const named = field(result, 'commandId');
  if (typeof named === 'string') return named;
  const messageId = field(inner, 'messageId');
  return typeof messageId === 'string' && messageId.endsWith(':reply')
    ? messageId.slice(0, -':reply'.length)
    : undefined;
}

export function timeline(log: SagaLogEntry[]): Timeline {
  const sorted = [...log].sort((a, b) => a.seq - b.seq);
  const start = sorted[0] ? Date.parse(sorted[0].at) : 0;
  /** Commands not answered yet, oldest first: [message id, sent at]. */
  const waiting: Array<[string | undefined, number]> = [];
  const entries: TimelineEntry[] = sorted.map((e) => {
    const at_ms = Date.parse(e.at);
    const detailJson = parse(e.detail);
    let replyAfter_ms: number | null = null;
    if (e.kind === 'command') {
      const id = field(detailJson, 'messageId');
      waiting.push([typeof id === 'string' ? id : undefined, at_ms]);
    }
    if (e.kind === 'reply') {
      const answers = commandIdOf(detailJson);
      const i = Math.max(0, answers ? waiting.findIndex(([id]) => id === answers) : 0);
      const [sent] = waiting.splice(i, 1);
      replyAfter_ms = sent === undefined ? null : at_ms - sent[1];
    }
    const outcome = field(detailJson, 'outcome');
    return {
      ...e,
      at_ms,
      offset_ms: at_ms - start,
      detailJson,
      path: pathOf(e),
      replyAfter_ms,
      stayed_ms: null,
      outcome: typeof outcome === 'string' ? outcome : null,
    };
  });
  const transitions = entries.filter((e) => e.kind === 'transition');
  transitions.forEach((t, i) => {
    const next = transitions[i + 1];
    t.stayed_ms = next ? next.at_ms - t.at_ms : null;
  });
  const last = transitions.at(-1);
  return {
    entries,
    fastPath: entries.filter((e) => e.path === 'fast path').length,
    queue: entries.filter((e) => e.path === 'queue').length,
    fallbacks: entries.filter((e) => e.kind === 'fallback').length,
    total_ms: last ? last.at_ms - start : null,
  };
}
