import { describe, expect, it } from 'vitest';
import { check } from '../checker.ts';
import { type LedgerInput, type LedgerOutput, ledgerModel } from './ledger.ts';

const account = 'cus_1';
const acct = (balance: number, version: number): LedgerOutput => ({
  kind: 'account',
  balance,
  version,
});
const op = (
  clientId: number,
  input: LedgerInput,
  output: LedgerOutput,
  call: number,
  ret: number,
) => ({
  clientId,
  input,
  output,
  call,
  return: ret,
});
const baseline = op(0, { op: 'baseline', account }, acct(0, 1), -2, -1);
const balance = (c: number, out: LedgerOutput, call: number, ret: number) =>
  op(c, { op: 'balance', account }, out, call, ret);
const deposit = (c: number, amount: number, out: LedgerOutput, call: number, ret: number) =>
  op(c, { op: 'deposit', account, amount }, out, call, ret);
const capture = (order: string, amount: number, out: LedgerOutput, call: number, ret: number) =>
  op(9, { op: 'capture', account, order, amount }, out, call, ret);
const refund = (order: string, amount: number, out: LedgerOutput, call: number, ret: number) =>
  op(9, { op: 'refund', account, order, amount }, out, call, ret);

describe('the account ledger model', () => {
  it('concurrent deposits each see one more event', () => {
    const history = [
      baseline,
      deposit(1, 100, acct(300, 3), 0, 50),
      deposit(2, 200, acct(200, 2), 0, 50),
      balance(3, acct(300, 3), 60, 70),
    ];
    expect(check(ledgerModel, history).result).toBe('ok');
  });

  it('a balance cannot go back to an older version', () => {
    const history = [
      baseline,
      deposit(1, 100, acct(100, 2), 0, 10),
      balance(2, acct(0, 1), 20, 30),
    ];
    expect(check(ledgerModel, history).result).toBe('illegal');
  });

  it('a capture is refused only when the balance was short at some point of the call', () => {
    const funded = deposit(1, 500, acct(500, 2), 0, 10);
    expect(
      check(ledgerModel, [baseline, funded, capture('o1', 300, { kind: 'refused' }, 20, 30)])
        .result,
    ).toBe('illegal');
    expect(
      check(ledgerModel, [baseline, funded, capture('o1', 300, { kind: 'refused' }, 5, 30)]).result,
    ).toBe('ok');
  });

  it('never takes money twice: two captures of 300 out of 500 cannot both apply', () => {
    const history = [
      baseline,
      deposit(1, 500, acct(500, 2), 0, 10),
      capture('o1', 300, { kind: 'captured' }, 20, 100),
      capture('o2', 300, { kind: 'captured' }, 20, 100),
    ];
    expect(check(ledgerModel, history).result).toBe('illegal');
  });

  it('a cancelled order: captured then refunded, or voided first, never refunded without a capture', () => {
    const funded = deposit(1, 500, acct(500, 2), 0, 10);
    const cap = capture('o1', 200, { kind: 'unknown' }, 20, 100);
    const ref = refund('o1', 200, { kind: 'done' }, 20, 100);
    const both = [
      baseline,
      funded,
      cap,
      ref,
      balance(2, acct(300, 3), 30, 40),
      balance(2, acct(500, 4), 110, 120),
    ];
    expect(check(ledgerModel, both).result).toBe('ok');
    const voided = [baseline, funded, cap, ref, balance(2, acct(500, 2), 110, 120)];
    expect(check(ledgerModel, voided).result).toBe('ok');
    const refundedOnly = [baseline, funded, ref, balance(2, acct(700, 3), 110, 120)];
    expect(check(ledgerModel, refundedOnly).result).toBe('illegal');
  });
});
