/** Variables every gateway handler can read, declared once for Hono's typed context. */
import type { Logger } from '@common/log';
import type { Region } from '@common/regions';
import type { RetryBudget } from '@common/resilience';

export interface Principal {
  kind: 'api-key' | 'customer';
  id: string;
  roles: readonly string[];
  region?: Region;
}

export interface GatewayVariables {
  requestId: string;
  traceparent: string;
  log: Logger;
  principal?: Principal;
  /** Retries left for this request's upstream calls (set on the first call). */
  retryBudget?: RetryBudget;
}

export interface GatewayBindings {
  Bindings: GatewayEnv;
  Variables: GatewayVariables;
}
