/** Identity service: customers, credentials and roles. */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { type HealthReport, healthReport } from '@common/rpc';

export default class IdentityService extends WorkerEntrypoint<IdentityEnv> {
  async health(): Promise<HealthReport> {
    return healthReport('identity', {
      d1: () => this.env.IDENTITY_DB.prepare('SELECT 1').first(),
    });
  }
}
