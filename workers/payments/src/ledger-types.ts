/** The account ledger's RPC inputs (called by the payments entrypoint and by other ledgers). */
import type { Funding } from '@common/contracts/payments';
import type { Region } from '@common/regions';
import type { CallMeta } from '@common/rpc';

/** Who the account is, so the first command can open it (AccountOpened). */
export interface AccountInit {
  accountId: string;
  customerId: string;
  region: Region;
  currency: string;
}

export type LedgerCommand =
  /** Money entering the ledger; without `funding`, a sandbox deposit. */
  | { kind: 'deposit'; amount: number; currency: string; funding?: Funding }
  | { kind: 'capture'; amount: number; currency: string; reference: string }
  | { kind: 'refund'; amount: number; currency: string; reference: string }
  | {
      kind: 'transfer_credit';
      amount: number;
      currency: string;
      reference: string;
      /** The sender's account and customer (the customer is told who paid). */
      from: string;
      fromCustomerId: string;
    };

export interface ExecuteInput {
  operationId: string;
  account: AccountInit;
  command: LedgerCommand;
  /** The saga or request the command belongs to; carried by its events. */
  correlationId?: string;
}

export interface StartTransferInput {
  operationId: string;
  account: AccountInit;
  to: { customerId: string; accountId: string; region: Region };
  amount: number;
  currency: string;
  correlationId?: string;
}

/** Who caused a change; carried by the events it emits. */
export interface Cause {
  correlationId: string;
  causationId: string;
  traceparent: string;
}

export function causeOf(meta: CallMeta, correlationId?: string): Cause {
  return {
    correlationId: correlationId ?? meta.requestId,
    causationId: meta.requestId,
    traceparent: meta.traceparent,
  };
}
