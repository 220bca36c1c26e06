/**
 * The quorum settings and timings of the preferences service, from its vars
 * (workers/preferences/wrangler.toml). A setting that breaks the rules below
 * is a deploy mistake: the service refuses to start with it.
 */
import type { ConsistencyLevel } from '@common/contracts/preferences';

export interface PreferencesConfig {
  /** Replicas per customer. */
  n: number;
  /** Acknowledgements a quorum write needs. */
  w: number;
  /** Answers a quorum read needs. */
  r: number;
  /** Storage nodes on each region's ring. */
  nodes: number;
  replica_timeout_ms: number;
  hint_retry_ms: number;
  hint_retry_ms_max: number;
  hint_ttl_ms: number;
}

const int = (value: string | undefined, fallback: number): number => {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isInteger(n) ? n : fallback;
};

export function preferencesConfig(env: PreferencesEnv): PreferencesConfig {
  const config: PreferencesConfig = {
    n: int(env.PREFERENCES_N, 3),
    w: int(env.PREFERENCES_W, 2),
    r: int(env.PREFERENCES_R, 2),
    nodes: int(env.PREFERENCES_NODES, 5),
    replica_timeout_ms: int(env.PREFERENCES_REPLICA_TIMEOUT_MS, 1000),
    hint_retry_ms: int(env.PREFERENCES_HINT_RETRY_MS, 1000),
    hint_retry_ms_max: int(env.PREFERENCES_HINT_RETRY_MS_MAX, 30_000),
    hint_ttl_ms: int(env.PREFERENCES_HINT_TTL_S, 10_800) * 1000,
  };
  const { n, w, r, nodes } = config;
  if (!(n >= 1 && n <= nodes && w >= 1 && w <= n && r >= 1 && r <= n))
    throw new Error(
      `preferences: need 1 ≤ W, R ≤ N ≤ nodes; got N=${n} W=${w} R=${r} nodes=${nodes}`,
    );
  if (config.replica_timeout_ms < 1 || config.hint_retry_ms < 1 || config.hint_ttl_ms < 1)
    throw new Error('preferences: timeouts must be positive');
  return config;
}

/** Replicas that must answer for `level`. */
export function needed(
  config: PreferencesConfig,
  level: ConsistencyLevel,
  op: 'read' | 'write',
): number {
  if (level === 'one') return 1;
  if (level === 'all') return config.n;
  return op === 'read' ? config.r : config.w;
}
