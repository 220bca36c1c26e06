import { describe, expect, it } from 'vitest';
import { check } from '../checker.ts';
import { type IdempotencyInput, type IdempotencyOutput, idempotencyModel } from './idempotency.ts';

const key = 'k1';
const op = (
  request: string,
  input: Partial<IdempotencyInput> & { op: IdempotencyInput['op'] },
  output: IdempotencyOutput,
  call: number,
  ret: number,
) => ({
  clientId: Number(request.slice(1)),
  input: { key, request, fingerprint: 'A', ...input } as IdempotencyInput,
  output,
  call,
  return: ret,
});
/** A request that ran: begin and complete, both within its interval. */
const ran = (request: string, response: string, call: number, ret: number, fingerprint = 'A') => [
  op(request, { op: 'begin', fingerprint }, { kind: 'started' }, call, ret),
  op(request, { op: 'complete', fingerprint, response }, { kind: 'stored' }, call, ret),
];
const observed = (
  request: string,
  output: IdempotencyOutput,
  call: number,
  ret: number,
  fingerprint = 'A',
) => op(request, { op: 'observe', fingerprint }, output, call, ret);

describe('the idempotency record model', () => {
  it('the first wins, a duplicate in flight gets 409, a later one the same answer', () => {
    const history = [
      ...ran('r1', '201 {"v":2}', 0, 100),
      observed('r2', { kind: 'in_flight' }, 10, 20),
      observed('r3', { kind: 'replay', response: '201 {"v":2}' }, 110, 120),
      observed('r4', { kind: 'mismatch' }, 130, 140, 'B'),
    ];
    expect(check(idempotencyModel, history).result).toBe('ok');
  });

  it('two requests cannot both run under one key', () => {
    const history = [...ran('r1', '201 {"v":2}', 0, 100), ...ran('r2', '201 {"v":3}', 0, 100)];
    expect(check(idempotencyModel, history).result).toBe('illegal');
  });

  it('a replay must return the first answer', () => {
    const history = [
      ...ran('r1', '201 {"v":2}', 0, 100),
      observed('r2', { kind: 'replay', response: '201 {"v":3}' }, 110, 120),
    ];
    expect(check(idempotencyModel, history).result).toBe('illegal');
  });

  it('a 409 after the first answer was stored is refused', () => {
    const history = [
      ...ran('r1', '201 {"v":2}', 0, 100),
      observed('r2', { kind: 'in_flight' }, 110, 120),
    ];
    expect(check(idempotencyModel, history).result).toBe('illegal');
  });

  it('a failed request releases the key, so a retry runs again', () => {
    const history = [
      op('r1', { op: 'attempt' }, { kind: 'failed' }, 0, 100),
      op('r1', { op: 'abort' }, { kind: 'failed' }, 0, 100),
      observed('r2', { kind: 'in_flight' }, 10, 20),
      ...ran('r3', '201 {"v":2}', 110, 200),
    ];
    expect(check(idempotencyModel, history).result).toBe('ok');
  });

  it('another body is refused only once the key is taken', () => {
    expect(check(idempotencyModel, [observed('r1', { kind: 'mismatch' }, 0, 10, 'B')]).result).toBe(
      'illegal',
    );
  });
});
