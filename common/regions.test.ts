import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { derivedId, ID_CHAR, isId, newId } from './ids';
import {
  derivedRegionalId,
  queueRegion,
  REGION_CONFIG,
  REGIONS,
  type RegionalDatabase,
  regionalBinding,
  regionalDb,
  regionalId,
  regionalQueue,
  regionalStub,
  regionForContinent,
  regionOfId,
  UNKNOWN_ORIGIN_REGION,
} from './regions';

/** A namespace that records how a stub was placed (jurisdiction, location hint). */
function recordingNamespace() {
  const calls: Array<{ jurisdiction: string | null; name: string; hint: string | undefined }> = [];
  const make = (jurisdiction: string | null): DurableObjectNamespace => {
    let lastName = '';
    return {
      jurisdiction: (j: string) => make(j),
      idFromName: (name: string) => {
        lastName = name;
        return { toString: () => name } as DurableObjectId;
      },
      get: (_id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) => {
        calls.push({ jurisdiction, name: lastName, hint: options?.locationHint });
        return {} as DurableObjectStub;
      },
    } as unknown as DurableObjectNamespace;
  };
  return { namespace: make(null), calls };
}

describe('region placement', () => {
  it('an eu object is created inside the eu jurisdiction, near its location hint', () => {
    const { namespace, calls } = recordingNamespace();
    regionalStub(namespace, 'eu', 'ord_1');
    expect(calls).toEqual([{ jurisdiction: 'eu', name: 'eu:ord_1', hint: 'weur' }]);
  });

  it('every region places by its own hint, and only eu is jurisdiction-bound', () => {
    for (const region of REGIONS) {
      const { namespace, calls } = recordingNamespace();
      regionalStub(namespace, region, 'x');
      expect(calls[0]?.hint).toBe(REGION_CONFIG[region].locationHints[0]);
      expect(calls[0]?.jurisdiction).toBe(region === 'eu' ? 'eu' : null);
      expect(calls[0]?.name.startsWith(`${region}:`)).toBe(true);
    }
  });

  it('falls back to the plain namespace only for local workerd, never for other errors', () => {
    const local = {
      jurisdiction: () => {
        throw new Error('Jurisdiction restrictions are not implemented in workerd.');
      },
      idFromName: () => ({}) as DurableObjectId,
      get: () => ({}) as DurableObjectStub,
    } as unknown as DurableObjectNamespace;
    expect(() => regionalStub(local, 'eu', 'x')).not.toThrow();
    const broken = {
      ...local,
      jurisdiction: () => {
        throw new Error('boom');
      },
    } as unknown as DurableObjectNamespace;
    expect(() => regionalStub(broken, 'eu', 'x')).toThrow('boom');
  });

  it('a home region follows the continent, with a fallback', () => {
    expect(regionForContinent('EU', 'us')).toBe('eu');
    expect(regionForContinent('AS', 'us')).toBe('apac');
    expect(regionForContinent('NA', 'eu')).toBe('us');
    expect(regionForContinent(undefined, 'eu')).toBe('eu');
    expect(regionForContinent('AN', 'us')).toBe('us');
  });
});

describe('regional databases', () => {
  const kinds: RegionalDatabase[] = ['ordersDb', 'paymentsDb', 'notificationsDb', 'identityDb'];

  it('every region names its own database of every kind: no two regions share one', () => {
    for (const kind of kinds) {
      const bindings = REGIONS.map((r) => REGION_CONFIG[r][kind]);
      expect(new Set(bindings).size).toBe(REGIONS.length);
    }
  });

  it('every configured database is bound (the test runner binds every worker’s D1s)', () => {
    // A REGION_CONFIG name without a wrangler.toml entry fails here, not in production.
    for (const kind of kinds) {
      for (const region of REGIONS) {
        expect(() => regionalDb(env, region, kind), `${kind} of ${region}`).not.toThrow();
      }
    }
  });

  it('picks exactly the configured binding, and refuses to guess when it is missing', () => {
    const us = { prepare: () => 'us' };
    const eu = { prepare: () => 'eu' };
    const fake = { PAYMENTS_DB_US: us, PAYMENTS_DB_EU: eu };
    expect(regionalDb(fake, 'eu', 'paymentsDb')).toBe(eu);
    expect(regionalDb(fake, 'us', 'paymentsDb')).toBe(us);
    expect(() => regionalDb(fake, 'apac', 'paymentsDb')).toThrow(/PAYMENTS_DB_APAC/);
  });

  it('data of unknown origin goes to a jurisdiction-bound region', () => {
    expect(REGION_CONFIG[UNKNOWN_ORIGIN_REGION].jurisdiction).toBe('eu');
  });
});

describe('ids that name their region', () => {
  it('every region has its own id tag, one id character', () => {
    const tags = REGIONS.map((r) => REGION_CONFIG[r].idTag);
    expect(new Set(tags).size).toBe(REGIONS.length);
    for (const tag of tags) expect(tag).toMatch(new RegExp(`^${ID_CHAR}$`));
  });

  it.each(REGIONS)('a %s order id names %s, and stays an opaque, sortable ord_ id', (region) => {
    const early = regionalId('ord', region, 1_000);
    const late = regionalId('ord', region, 2_000);
    expect(regionOfId('ord', early)).toBe(region);
    expect(isId('ord', early)).toBe(true);
    expect(early).toMatch(/^ord_[0-9A-HJKMNP-TV-Z]{27}$/);
    expect(early < late).toBe(true);
  });

  it('a derived order id is the same for the same seed, and names its region', async () => {
    const a = await derivedRegionalId('ord', 'eu', 5_000, 'customer:x:key');
    expect(await derivedRegionalId('ord', 'eu', 5_000, 'customer:x:key')).toBe(a);
    expect(regionOfId('ord', a)).toBe('eu');
    expect(await derivedRegionalId('ord', 'us', 5_000, 'customer:x:key')).not.toBe(a);
  });

  it('an id made before ids named their region names none (so it is never sent to a wrong region)', async () => {
    expect(regionOfId('ord', newId('ord'))).toBeUndefined();
    expect(regionOfId('ord', await derivedId('ord', 1, 'seed'))).toBeUndefined();
    expect(regionOfId('ord', 'ord_nonsense')).toBeUndefined();
    expect(regionOfId('cus', regionalId('ord', 'eu'))).toBeUndefined();
  });
});

describe('regional queues', () => {
  it('each region has its own queue and binding per topic', () => {
    expect(regionalQueue('meridian-saga-replies', 'eu')).toBe('meridian-saga-replies-eu');
    expect(regionalBinding('SAGA_REPLIES', 'apac')).toBe('SAGA_REPLIES_APAC');
    const queues = REGIONS.map((r) => regionalQueue('meridian-order-events', r));
    expect(new Set(queues).size).toBe(REGIONS.length);
  });

  it('a queue name tells its topic and region; a global queue has none', () => {
    for (const region of REGIONS) {
      expect(queueRegion(regionalQueue('meridian-ledger-events', region))).toEqual({
        topic: 'meridian-ledger-events',
        region,
      });
    }
    expect(queueRegion('meridian-catalog-events')).toEqual({
      topic: 'meridian-catalog-events',
      region: null,
    });
  });
});
