/** Variables every gateway handler can read, declared once for Hono's typed context. */
import type { Logger } from '@common/log';
import type { Region } from '@common/regions';
import type { RetryBudget } from '@common/resilience';
import type { IdempotencyScope } from './idempotency/scope';
import type { RateLimitDecision } from './ratelimit/policy';

export interface Principal {
  kind: 'api-key' | 'customer';
  id: string;
  roles: readonly string[];
  region?: Region;
  /** The refresh family a customer's access token was issued from (logout revokes it). */
  sessionId?: string;
}

export interface GatewayVariables {
  requestId: string;
  traceparent: string;
  log: Logger;
  principal?: Principal;
  /** Retries left for this request's upstream calls (set on the first call). */
  retryBudget?: RetryBudget;
  /** Why a presented access token was refused; routes that need credentials answer 401 with it. */
  authFailure?: string;
  /** The most restrictive limit consulted for this request; sent as RateLimit-* headers. */
  rateLimit?: RateLimitDecision;
  /** The region of the edge location serving this request (`src/region/`). */
  servingRegion: Region;
  /** The caller's home region (their token's claim), else the serving region. */
  homeRegion: Region;
  /** Set on (idem) routes: handlers derive downstream operation ids from it. */
  idempotency?: IdempotencyScope;
}

export interface GatewayBindings {
  Bindings: GatewayEnv;
  Variables: GatewayVariables;
}
