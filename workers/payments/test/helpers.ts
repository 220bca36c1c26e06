/** Shared fixtures for the payments tests: customers, ledger stubs, call metadata. */
import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { accountIdOf } from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';
import { newId } from '@common/ids';
import { type Region, regionalStub } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { expect } from 'vitest';
import { eventually as poll } from '../../../test/support/eventually';
import type PaymentsService from '../src/index';
import type { AccountLedger } from '../src/ledger';

/** The worker under test, typed as its entrypoint. */
export const payments = exports.default as unknown as Service<typeof PaymentsService>;

export const meta = (requestId = newId('req')): CallMeta => ({
  requestId,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
});

export interface Customer {
  customerId: string;
  region: Region;
}

export const newCustomer = (region: Region = 'us'): Customer => ({
  customerId: newId('cus'),
  region,
});

export function ledgerOf(c: Customer): DurableObjectStub<AccountLedger> {
  return regionalStub(env.ACCOUNT_LEDGER, c.region, accountIdOf(c.customerId));
}

/** Opens the account (and its directory entry) so it can receive transfers. */
export async function open(c: Customer) {
  const result = await payments.openAccount(c, meta());
  expect(result.ok).toBe(true);
  return c;
}

export async function deposit(c: Customer, amount: number, operationId = newId('op')) {
  return payments.deposit({ ...c, amount, operationId }, meta());
}

export async function balanceOf(c: Customer) {
  const view = await ledgerOf(c).account();
  return { balance: view?.balance.amount ?? 0, inTransit: view?.inTransit.amount ?? 0 };
}

/** Makes the ledger's outbox keep its rows (the queue "is down"); returns a reader of them. */
export async function holdOutbox(stub: DurableObjectStub<AccountLedger>) {
  await runInDurableObject(stub, (ledger: AccountLedger) => {
    ledger.send = async () => {
      throw new Error('queue unavailable (test)');
    };
  });
  return () =>
    runInDurableObject(stub, (ledger: AccountLedger): Envelope[] =>
      ledger.outbox.pending().map((row) => row.envelope),
    );
}

/** Polls `probe` until it returns true (bounded), for eventual read models. */
export async function eventually(probe: () => Promise<boolean>, timeout_ms = 5000) {
  if (!(await poll(probe, (held) => held, timeout_ms, 25))) {
    throw new Error(`not true within ${timeout_ms} ms`);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
