/**
 * The one place that answers "which region, which Durable Object location
 * hint, which jurisdiction, which D1 binding". Adding a region means adding
 * an entry here and the per-region bindings named by it.
 */
export const REGIONS = ['us', 'eu', 'apac'] as const;
export type Region = (typeof REGIONS)[number];

export interface RegionConfig {
  id: Region;
  /** Durable Object location hints, primary first. */
  locationHints: readonly DurableObjectLocationHint[];
  /** Set where data must stay inside a legal jurisdiction. */
  jurisdiction?: DurableObjectJurisdiction;
  /** Binding name of this region's orders read-model database. */
  ordersDb: string;
  /** Continents (request.cf.continent) whose customers default to this region. */
  continents: readonly string[];
}

export const REGION_CONFIG: Record<Region, RegionConfig> = {
  us: {
    id: 'us',
    locationHints: ['enam', 'wnam'],
    ordersDb: 'ORDERS_DB_US',
    continents: ['NA', 'SA'],
  },
  eu: {
    id: 'eu',
    locationHints: ['weur', 'eeur'],
    jurisdiction: 'eu',
    ordersDb: 'ORDERS_DB_EU',
    continents: ['EU', 'AF'],
  },
  apac: {
    id: 'apac',
    locationHints: ['apac', 'oc'],
    ordersDb: 'ORDERS_DB_APAC',
    continents: ['AS', 'OC'],
  },
};

export function isRegion(value: unknown): value is Region {
  return typeof value === 'string' && (REGIONS as readonly string[]).includes(value);
}

/** Home region for a request's continent (from `request.cf`), or the fallback. */
export function regionForContinent(continent: string | undefined, fallback: Region): Region {
  if (!continent) return fallback;
  const found = REGIONS.find((r) => REGION_CONFIG[r].continents.includes(continent));
  return found ?? fallback;
}

/**
 * A Durable Object stub placed in `region`: inside its jurisdiction where it
 * has one, and created near its primary location hint.
 */
export function regionalStub<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  region: Region,
  name: string,
): DurableObjectStub<T> {
  const config = REGION_CONFIG[region];
  const scoped = config.jurisdiction ? inJurisdiction(namespace, config.jurisdiction) : namespace;
  const id = scoped.idFromName(`${region}:${name}`);
  return scoped.get(id, { locationHint: config.locationHints[0] });
}

/**
 * The namespace restricted to a jurisdiction. Local workerd (wrangler dev,
 * Miniflare, Vitest) throws "not implemented in workerd" for jurisdictions;
 * only there do we fall back to the plain namespace, where every region is
 * simulated in one process anyway. Any other error propagates.
 */
function inJurisdiction<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  jurisdiction: DurableObjectJurisdiction,
): DurableObjectNamespace<T> {
  try {
    return namespace.jurisdiction(jurisdiction);
  } catch (error) {
    if (error instanceof Error && /not implemented in workerd/i.test(error.message))
      return namespace;
    throw error;
  }
}
