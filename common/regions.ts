/**
 * The one place that answers "which region, which Durable Object location
 * hint, which jurisdiction, which D1 binding, which queue". Adding a region
 * means adding an entry here and the per-region bindings and queues named by
 * it (docs/regions.md).
 */
import { derivedId, type Id, type IdPrefix, idTag, newId } from './ids';

export const REGIONS = ['us', 'eu', 'apac'] as const;
export type Region = (typeof REGIONS)[number];

export interface RegionConfig {
  id: Region;
  /** Durable Object location hints, primary first. */
  locationHints: readonly DurableObjectLocationHint[];
  /** Set where data must stay inside a legal jurisdiction. */
  jurisdiction?: DurableObjectJurisdiction;
  /** Binding name of this region's orders read-model database (orders worker). */
  ordersDb: string;
  /** Binding name of this region's payments database: transactions and accounts directory. */
  paymentsDb: string;
  /** Binding name of this region's notifications database: inbox and dead letters. */
  notificationsDb: string;
  /** Binding name of this region's identity database: customers' credentials and sessions. */
  identityDb: string;
  /** Continents (request.cf.continent) whose customers default to this region. */
  continents: readonly string[];
  /**
   * The character that names this region inside ids (`regionalId`): one of the
   * id alphabet, unique, and never changed or reused once ids carry it.
   */
  idTag: string;
}

export const REGION_CONFIG: Record<Region, RegionConfig> = {
  us: {
    id: 'us',
    locationHints: ['enam', 'wnam'],
    ordersDb: 'ORDERS_DB_US',
    paymentsDb: 'PAYMENTS_DB_US',
    notificationsDb: 'NOTIFICATIONS_DB_US',
    identityDb: 'IDENTITY_DB_US',
    continents: ['NA', 'SA'],
    idTag: 'A',
  },
  eu: {
    id: 'eu',
    locationHints: ['weur', 'eeur'],
    jurisdiction: 'eu',
    ordersDb: 'ORDERS_DB_EU',
    paymentsDb: 'PAYMENTS_DB_EU',
    notificationsDb: 'NOTIFICATIONS_DB_EU',
    identityDb: 'IDENTITY_DB_EU',
    continents: ['EU', 'AF'],
    idTag: 'E',
  },
  apac: {
    id: 'apac',
    locationHints: ['apac', 'oc'],
    ordersDb: 'ORDERS_DB_APAC',
    paymentsDb: 'PAYMENTS_DB_APAC',
    notificationsDb: 'NOTIFICATIONS_DB_APAC',
    identityDb: 'IDENTITY_DB_APAC',
    continents: ['AS', 'OC'],
    idTag: 'P',
  },
};

/**
 * Where data goes whose region cannot be told (a malformed or foreign
 * message in the dead-letter queue): the strictest jurisdiction, because
 * data of a `us` customer may be kept in `eu`, never the other way round.
 */
export const UNKNOWN_ORIGIN_REGION: Region = 'eu';

/** The per-region databases, by the RegionConfig field that names their binding. */
export type RegionalDatabase = 'ordersDb' | 'paymentsDb' | 'notificationsDb' | 'identityDb';

/**
 * The `kind` database of `region` from a worker's env. A missing binding
 * throws: falling back to another region's database would break residency.
 */
export function regionalDb(env: object, region: Region, kind: RegionalDatabase): D1Database {
  const binding = REGION_CONFIG[region][kind];
  const db: unknown = Reflect.get(env, binding);
  if (typeof db !== 'object' || db === null || !('prepare' in db))
    throw new Error(`the ${kind} of region ${region} (binding ${binding}) is not bound`);
  return db as D1Database;
}

export type RegionSearch<T> =
  | { region: Region; value: T }
  | { region: null; value: null; unreachable: Region[] };

/**
 * Looks `lookup` up in every region at once, for data kept only in its home
 * region when the home is not known yet (a transfer's recipient, a refresh
 * token, a dead letter by id). The first region that has it answers;
 * "nowhere" is only claimed when every region answered, otherwise the
 * regions that did not are named so the caller can answer 503, not 404.
 */
export async function findInRegions<T>(
  lookup: (region: Region) => Promise<T | null | undefined>,
): Promise<RegionSearch<T>> {
  // async: a lookup that throws at once counts as unreachable, like one that rejects.
  const answers = await Promise.allSettled(REGIONS.map(async (region) => lookup(region)));
  const unreachable: Region[] = [];
  for (const [i, answer] of answers.entries()) {
    const region = REGIONS[i];
    if (region === undefined) continue;
    if (answer.status === 'rejected') unreachable.push(region);
    else if (answer.value !== null && answer.value !== undefined)
      return { region, value: answer.value };
  }
  return { region: null, value: null, unreachable };
}

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
 * has one, and created near its primary location hint, or near `locationHint`
 * (one of the region's own) for objects that spread over the region (cart
 * replicas).
 */
export function regionalStub<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  region: Region,
  name: string,
  locationHint?: DurableObjectLocationHint,
): DurableObjectStub<T> {
  const config = REGION_CONFIG[region];
  if (locationHint !== undefined && !config.locationHints.includes(locationHint))
    throw new Error(`location hint ${locationHint} is not in region ${region}`);
  const scoped = config.jurisdiction ? inJurisdiction(namespace, config.jurisdiction) : namespace;
  const id = scoped.idFromName(`${region}:${name}`);
  return scoped.get(id, { locationHint: locationHint ?? config.locationHints[0] });
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

// --- ids that name their region ---------------------------------------------

/** A new id of `prefix` that names `region` (see `regionOfId`), sortable by time like any id. */
export function regionalId<P extends IdPrefix>(prefix: P, region: Region, now?: number): Id<P> {
  return newId(prefix, now, REGION_CONFIG[region].idTag);
}

/** `derivedId` (same seed, same id) that also names `region`. */
export function derivedRegionalId<P extends IdPrefix>(
  prefix: P,
  region: Region,
  at: number,
  seed: string,
): Promise<Id<P>> {
  return derivedId(prefix, at, seed, REGION_CONFIG[region].idTag);
}

/**
 * The region an id names, or undefined for an id that names none (made
 * before ids carried their region, or malformed): the caller then decides
 * whether to ask every region.
 */
export function regionOfId(prefix: IdPrefix, id: string): Region | undefined {
  const tag = idTag(prefix, id);
  return tag === undefined ? undefined : REGIONS.find((r) => REGION_CONFIG[r].idTag === tag);
}

// --- queues: one per region per topic ----------------------------------------

/**
 * The producer binding of `destination` in `region`: `INVENTORY_COMMANDS` →
 * `INVENTORY_COMMANDS_EU` (a topic `ORDER_EVENTS` → `ORDER_EVENTS_EU`, whose
 * subscribers are `ORDER_EVENTS_EU__<SUBSCRIBER>`).
 */
export function regionalBinding(destination: string, region: Region): string {
  return `${destination}_${region.toUpperCase()}`;
}

/** The queue of `topic` in `region`: `meridian-inventory-commands` → `meridian-inventory-commands-eu`. */
export function regionalQueue(topic: string, region: Region): string {
  return `${topic}-${region}`;
}

/**
 * The topic and region of a queue name: `meridian-saga-replies-eu` →
 * `{ topic: 'meridian-saga-replies', region: 'eu' }`; a global queue (no
 * customer data, e.g. `meridian-catalog-events`) has region null.
 */
export function queueRegion(queue: string): { topic: string; region: Region | null } {
  const region = REGIONS.find((r) => queue.endsWith(`-${r}`));
  return region
    ? { topic: queue.slice(0, -(region.length + 1)), region }
    : { topic: queue, region: null };
}
