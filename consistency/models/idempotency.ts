/**
 * The idempotency record of one key (`Idempotency-Key`, per caller): the
 * first request to begin wins and runs; while it runs, a duplicate gets 409;
 * once it stored its response, a replay gets that very response; another
 * body under the key gets 422; a request that failed (5xx) releases the key
 * so a retry runs again.
 *
 * A request that ran takes two steps at the record, begin and complete, so
 * the driver records it as two operations with the request's interval; a
 * failed one as `attempt` (it may have begun) and `abort` (it may have
 * released). Requests are told apart by `request`, bodies by `fingerprint`.
 */
import type { NondeterministicModel } from '../nondeterministic.ts';
import { nondeterministic } from '../nondeterministic.ts';

interface Ref {
  key: string;
  /** One HTTP request: its begin, complete and abort belong together. */
  request: string;
  fingerprint: string;
}

export type IdempotencyInput =
  | ({ op: 'begin' } & Ref)
  | ({ op: 'complete'; response: string } & Ref)
  /** A request answered by the record alone: a replay, a 409 or a 422. */
  | ({ op: 'observe' } & Ref)
  /** A request that failed (5xx) or got no answer: it may have begun. */
  | ({ op: 'attempt' } & Ref)
  /** …and may have released the key again. */
  | ({ op: 'abort' } & Ref);

export type IdempotencyOutput =
  | { kind: 'started' }
  | { kind: 'stored' }
  | { kind: 'replay'; response: string }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' }
  | { kind: 'failed' }
  | { kind: 'unknown' };

export type RecordState =
  | { phase: 'empty' }
  | { phase: 'in_flight'; fingerprint: string; owner: string }
  /** `response` null: stored by a request whose answer the client never saw. */
  | { phase: 'done'; fingerprint: string; response: string | null };

const EMPTY: RecordState = { phase: 'empty' };

function observe(s: RecordState, input: Ref, output: IdempotencyOutput): RecordState[] {
  if (s.phase === 'empty') return [];
  const same = s.fingerprint === input.fingerprint;
  if (output.kind === 'mismatch') return same ? [] : [s];
  if (output.kind === 'in_flight') return same && s.phase === 'in_flight' ? [s] : [];
  if (output.kind !== 'replay' || !same || s.phase !== 'done') return [];
  if (s.response === null) return [{ ...s, response: output.response }];
  return s.response === output.response ? [s] : [];
}

function step(s: RecordState, input: IdempotencyInput, output: IdempotencyOutput): RecordState[] {
  switch (input.op) {
    case 'begin':
      return s.phase === 'empty' && output.kind === 'started'
        ? [{ phase: 'in_flight', fingerprint: input.fingerprint, owner: input.request }]
        : [];
    case 'complete':
      return s.phase === 'in_flight' && s.owner === input.request && output.kind === 'stored'
        ? [{ phase: 'done', fingerprint: input.fingerprint, response: input.response }]
        : [];
    case 'observe':
      return observe(s, input, output);
    case 'attempt': {
      if (s.phase !== 'empty') return [s];
      const begun: RecordState = {
        phase: 'in_flight',
        fingerprint: input.fingerprint,
        owner: input.request,
      };
      if (output.kind === 'failed') return [s, begun];
      return [s, begun, { phase: 'done', fingerprint: input.fingerprint, response: null }];
    }
    case 'abort':
      return s.phase === 'in_flight' && s.owner === input.request ? [s, EMPTY] : [s];
  }
}

const same = (a: RecordState, b: RecordState): boolean => {
  if (a.phase === 'empty' || b.phase === 'empty') return a.phase === b.phase;
  if (a.phase === 'in_flight')
    return b.phase === 'in_flight' && a.fingerprint === b.fingerprint && a.owner === b.owner;
  return b.phase === 'done' && a.fingerprint === b.fingerprint && a.response === b.response;
};

const short = (response: string) => (response.length > 60 ? `${response.slice(0, 57)}…` : response);

function describeOperation(input: IdempotencyInput, output: IdempotencyOutput): string {
  const who = `${input.request} body ${input.fingerprint}`;
  switch (input.op) {
    case 'complete':
      return `complete(${who}, ${short(input.response)})`;
    case 'observe':
      return `request(${who}) → ${output.kind === 'replay' ? `replay ${short(output.response)}` : output.kind}`;
    default:
      return `${input.op}(${who}) → ${output.kind}`;
  }
}

export const idempotencySpec: NondeterministicModel<
  RecordState,
  IdempotencyInput,
  IdempotencyOutput
> = {
  key: (input) => input.key,
  init: () => [EMPTY],
  step,
  equal: same,
  describeOperation,
  describeState: (s) =>
    s.phase === 'empty'
      ? 'empty'
      : s.phase === 'in_flight'
        ? `in flight: ${s.owner} (body ${s.fingerprint})`
        : `done (body ${s.fingerprint}): ${s.response === null ? '? unseen' : short(s.response)}`,
  readOnly: (input) => input.op === 'observe',
};

/** The idempotency record model as the checker runs it. */
export const idempotencyModel = nondeterministic(idempotencySpec);
