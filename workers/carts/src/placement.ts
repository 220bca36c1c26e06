/**
 * Where a customer's cart replicas live, and which one serves a request.
 *
 * - A home region with no jurisdiction (`us`, `apac`): one replica in every
 *   region, at that region's primary location hint, so every edge writes
 *   close by.
 * - A home region with a jurisdiction (`eu`): the data must stay inside it,
 *   so its replicas are all there, one per distinct location hint (`weur`,
 *   `eeur`); a write served elsewhere goes to the nearest of them.
 *
 * A replica's id is its location hint (hints are one global namespace), so
 * a cart's version vector reads `{ enam: 3, weur: 1, apac: 0 }`.
 */
import { REGION_CONFIG, REGIONS, type Region, regionalStub } from '@common/regions';
import type { ReplicaId } from './crdt';

export interface ReplicaRef {
  id: ReplicaId;
  region: Region;
  hint: DurableObjectLocationHint;
}

/** Replicas of a jurisdiction-bound customer: two sites, so a site can fail and writes go on. */
export const REPLICAS_IN_JURISDICTION = 2;

/** Rough centre of each location hint (latitude, longitude), to tell the nearest replica. */
const HINT_COORDINATES: Record<DurableObjectLocationHint, readonly [number, number]> = {
  wnam: [37.4, -122.1],
  enam: [39.0, -77.5],
  sam: [-23.5, -46.6],
  weur: [50.1, 8.7],
  eeur: [52.2, 21.0],
  apac: [1.35, 103.8],
  'apac-ne': [35.7, 139.7],
  'apac-se': [1.35, 103.8],
  oc: [-33.9, 151.2],
  afr: [-26.2, 28.0],
  me: [25.2, 55.3],
};

const primaryHint = (region: Region): DurableObjectLocationHint => {
  const hint = REGION_CONFIG[region].locationHints[0];
  if (!hint) throw new Error(`region ${region} has no location hint`);
  return hint;
};

/** The replicas of a customer of `home`, the primary (home region, primary hint) first. */
export function replicasOf(home: Region): ReplicaRef[] {
  const config = REGION_CONFIG[home];
  if (config.jurisdiction) {
    const hints = config.locationHints.slice(0, REPLICAS_IN_JURISDICTION);
    if (hints.length < REPLICAS_IN_JURISDICTION)
      throw new Error(`region ${home} needs ${REPLICAS_IN_JURISDICTION} location hints for carts`);
    return hints.map((hint) => ({ id: hint, region: home, hint }));
  }
  const regions = [home, ...REGIONS.filter((r) => r !== home)];
  return regions.map((region) => ({ id: primaryHint(region), region, hint: primaryHint(region) }));
}

/** The replica that keeps the customer's checkouts: the primary, in the home region. */
export function primaryOf(home: Region): ReplicaRef {
  const [primary] = replicasOf(home);
  if (!primary) throw new Error(`no cart replica for region ${home}`);
  return primary;
}

export function replicaById(home: Region, id: string): ReplicaRef | undefined {
  return replicasOf(home).find((r) => r.id === id);
}

/** Great-circle distance in km between two location hints. */
export function distanceKm(a: DurableObjectLocationHint, b: DurableObjectLocationHint): number {
  const [lat1, lon1] = HINT_COORDINATES[a];
  const [lat2, lon2] = HINT_COORDINATES[b];
  const rad = Math.PI / 180;
  const h =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/**
 * The replica that takes a request served in `serving`: the one in that
 * region (its primary hint first), else the nearest one to that region.
 */
export function servingReplica(home: Region, serving: Region): ReplicaRef {
  const replicas = replicasOf(home);
  const local = replicas.find((r) => r.region === serving);
  if (local) return local;
  const from = primaryHint(serving);
  const nearest = [...replicas].sort((a, b) => distanceKm(from, a.hint) - distanceKm(from, b.hint));
  return nearest[0] ?? primaryOf(home);
}

/** The Durable Object of one replica of a customer's cart, placed at its site. */
export function replicaStub<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  customerId: string,
  replica: ReplicaRef,
): DurableObjectStub<T> {
  return regionalStub(namespace, replica.region, `cart:${customerId}:${replica.id}`, replica.hint);
}
