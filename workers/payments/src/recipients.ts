/**
 * Who can receive a transfer: any registered customer, at once. A customer
 * whose account is open is found in the account directory without asking
 * anyone else; one who registered a moment ago has no account yet, so
 * identity (the owner of who is a customer) tells their home region, and
 * the transfer's credit opens the account there (AccountOpened, then the
 * credit, in one transaction of the recipient's ledger).
 *
 * Only an id that identity does not know is `recipient_not_found` (404); a
 * directory or identity that does not answer is a 503, never a 404.
 */
import type { CustomerRegion } from '@common/contracts/identity';
import { accountIdOf } from '@common/contracts/payments';
import { errorMessage, type Logger } from '@common/log';
import { fail, ok, type Result } from '@common/problem';
import type { Region } from '@common/regions';
import { findAccount } from './projection';

export interface Recipient {
  customerId: string;
  accountId: string;
  region: Region;
}

const unavailable = (what: string) =>
  fail(503, 'recipient_lookup_unavailable', `${what} did not answer; try again`);

export async function findRecipient(
  env: PaymentsEnv,
  customerId: string,
  log: Logger,
): Promise<Result<Recipient>> {
  const listed = await findAccount(env, customerId);
  if (listed.region !== null) {
    return ok({ customerId, accountId: listed.value.accountId, region: listed.value.region });
  }
  let known: Result<CustomerRegion>;
  try {
    known = await env.IDENTITY.customerRegion(customerId);
  } catch (error) {
    log.warn('transfer.recipient_lookup_failed', { error: errorMessage(error) });
    return unavailable('identity');
  }
  if (known.ok) {
    return ok({ customerId, accountId: accountIdOf(customerId), region: known.value.region });
  }
  if (known.problem.status === 404) {
    return fail(404, 'recipient_not_found', `no customer ${customerId}`);
  }
  return unavailable(`identity (${known.problem.code})`);
}
