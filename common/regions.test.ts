import { describe, expect, it } from 'vitest';
import { REGION_CONFIG, REGIONS, regionalStub, regionForContinent } from './regions';

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
