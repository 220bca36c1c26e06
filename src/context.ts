/** Variables every gateway handler can read, declared once for Hono's typed context. */
import type { Logger } from '@common/log';
import type { Region } from '@common/regions';

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
}

export interface GatewayBindings {
  Bindings: GatewayEnv;
  Variables: GatewayVariables;
}
