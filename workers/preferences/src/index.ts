/**
 * Preferences service: leaderless (Dynamo-style) storage of each customer's
 * preferences on N nodes of their home region's ring, at the consistency
 * each request asks for (coordinator.ts).
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import {
  CONSISTENCY_LEVELS,
  type ConsistencyLevel,
  jsonBytes,
  PREFERENCES_BYTES_MAX,
  type PreferencesObject,
  type PreferencesView,
  type ReplicasView,
} from '@common/contracts/preferences';
import { isolateSamples } from '@common/metrics/isolate';
import { fail, ok, type Result } from '@common/problem';
import { isRegion, REGIONS, type Region } from '@common/regions';
import { type HealthReport, healthReport, type MetricSample } from '@common/rpc';
import { preferencesConfig } from './config';
import {
  type Coordination,
  inspectReplicas,
  readPreferences,
  writePreferences,
} from './coordinator';
import { nodeStub, preferenceList } from './ring';

export { PreferenceNode } from './node';

const CUSTOMER_ID = /^cus_[0-9A-Z]{26}$/;

function invalid(customerId: string, home: Region, level: ConsistencyLevel): string | null {
  if (!CUSTOMER_ID.test(customerId)) return 'not a customer id';
  if (!isRegion(home)) return 'unknown region';
  if (!CONSISTENCY_LEVELS.includes(level)) return 'consistency is one, quorum or all';
  return null;
}

const isPlainObject = (value: unknown): value is PreferencesObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export default class PreferencesService extends WorkerEntrypoint<PreferencesEnv> {
  get #ctx(): Coordination {
    return {
      env: this.env,
      config: preferencesConfig(this.env),
      waitUntil: (work) => this.ctx.waitUntil(work),
    };
  }

  async getPreferences(
    customerId: string,
    home: Region,
    level: ConsistencyLevel,
  ): Promise<Result<PreferencesView>> {
    const problem = invalid(customerId, home, level);
    if (problem) return fail(400, 'preferences_invalid', problem);
    return readPreferences(this.#ctx, customerId, home, level);
  }

  async putPreferences(
    customerId: string,
    home: Region,
    level: ConsistencyLevel,
    preferences: unknown,
  ): Promise<Result<PreferencesView>> {
    const problem = invalid(customerId, home, level);
    if (problem) return fail(400, 'preferences_invalid', problem);
    if (!isPlainObject(preferences))
      return fail(400, 'preferences_not_an_object', 'preferences are a JSON object');
    if (jsonBytes(preferences) > PREFERENCES_BYTES_MAX)
      return fail(
        413,
        'preferences_too_large',
        `preferences take at most ${PREFERENCES_BYTES_MAX} bytes`,
      );
    return writePreferences(this.#ctx, customerId, home, level, preferences);
  }

  async replicas(customerId: string, home: Region): Promise<Result<ReplicasView>> {
    const problem = invalid(customerId, home, 'quorum');
    if (problem) return fail(400, 'preferences_invalid', problem);
    return ok(await inspectReplicas(this.#ctx, customerId, home));
  }

  /** For the gateway's /metrics: this isolate's age and its queue consumers' outcomes. */
  async metrics(): Promise<MetricSample[]> {
    return isolateSamples();
  }

  async health(): Promise<HealthReport> {
    const config = preferencesConfig(this.env);
    const probes = Object.fromEntries(
      REGIONS.map((region) => {
        const [first] = preferenceList(region, 'health', config.nodes);
        return [
          `node:${region}`,
          async () => first && nodeStub(this.env.PREFERENCE_NODE, first).inspect('health'),
        ];
      }),
    );
    return healthReport('preferences', probes);
  }
}
