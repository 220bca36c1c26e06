/** Orders service: saga Durable Objects and per-region read models. */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { REGION_CONFIG, REGIONS } from '@common/regions';
import { type HealthReport, healthReport } from '@common/rpc';

export default class OrdersService extends WorkerEntrypoint<OrdersEnv> {
  async health(): Promise<HealthReport> {
    const probes = Object.fromEntries(
      REGIONS.map((region) => {
        const db = this.env[REGION_CONFIG[region].ordersDb as keyof OrdersEnv] as D1Database;
        return [`d1:${region}`, () => db.prepare('SELECT 1').first()];
      }),
    );
    return healthReport('orders', probes);
  }
}
