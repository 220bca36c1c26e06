import { REGION_CONFIG, REGIONS } from '@common/regions';
import { describe, expect, it } from 'vitest';
import { distanceKm, primaryOf, replicasOf, servingReplica } from './placement';

describe('cart replica placement', () => {
  it('a customer of a region without jurisdiction has one replica in every region', () => {
    for (const home of ['us', 'apac'] as const) {
      const replicas = replicasOf(home);
      expect(replicas.map((r) => r.region).sort()).toEqual([...REGIONS].sort());
      expect(replicas[0]?.region).toBe(home);
      for (const r of replicas) expect(r.hint).toBe(REGION_CONFIG[r.region].locationHints[0]);
    }
  });

  it('an eu customer has two replicas, both in eu, at distinct location hints', () => {
    const replicas = replicasOf('eu');
    expect(replicas).toEqual([
      { id: 'weur', region: 'eu', hint: 'weur' },
      { id: 'eeur', region: 'eu', hint: 'eeur' },
    ]);
  });

  it('a write is taken by the replica of the serving region, else by the nearest one', () => {
    expect(servingReplica('us', 'apac').id).toBe('apac');
    expect(servingReplica('apac', 'eu').id).toBe('weur');
    expect(servingReplica('eu', 'eu').id).toBe('weur');
    expect(servingReplica('eu', 'us').id).toBe('weur');
    expect(servingReplica('eu', 'apac').id).toBe('eeur');
    expect(distanceKm('apac', 'eeur')).toBeLessThan(distanceKm('apac', 'weur'));
  });

  it('checkouts are kept by the primary, in the home region', () => {
    for (const home of REGIONS) expect(primaryOf(home).region).toBe(home);
  });
});
