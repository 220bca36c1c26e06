/** Payments service: account ledgers and their transaction read model. */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { type HealthReport, healthReport } from '@common/rpc';

export default class PaymentsService extends WorkerEntrypoint<PaymentsEnv> {
  async health(): Promise<HealthReport> {
    return healthReport('payments', {
      d1: () => this.env.PAYMENTS_DB.prepare('SELECT 1').first(),
    });
  }
}
