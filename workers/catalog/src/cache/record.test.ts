import { describe, expect, it } from 'vitest';
import { type FreshnessPolicy, freshnessOf, newRecord } from './record';

const policy: FreshnessPolicy = {
  ttl_ms: 60_000,
  soft_ttl_ms: 30_000,
  jitter: 0.2,
  stale_if_error_ms: 3_600_000,
};

describe('freshness of a record', () => {
  it('is judged from when the value was read from D1: fresh, revalidate, expired, dead', () => {
    const record = { value: 1, loadedAt: 1_000_000, refreshAt: 1_000_000 + 30_000 };
    expect(freshnessOf(record, 1_000_000 + 29_999, policy)).toBe('fresh');
    expect(freshnessOf(record, 1_000_000 + 30_000, policy)).toBe('revalidate');
    expect(freshnessOf(record, 1_000_000 + 59_999, policy)).toBe('revalidate');
    expect(freshnessOf(record, 1_000_000 + 60_000, policy)).toBe('expired');
    expect(freshnessOf(record, 1_000_000 + 60_000 + 3_600_000, policy)).toBe('dead');
  });

  it('records loaded at the same moment refresh at spread-out times within the soft TTL', () => {
    const loadedAt = 5_000_000;
    const refreshAts = Array.from({ length: 200 }, () => newRecord(1, loadedAt, policy).refreshAt);
    const earliest = loadedAt + policy.soft_ttl_ms * (1 - policy.jitter);
    for (const at of refreshAts) {
      expect(at).toBeGreaterThanOrEqual(earliest);
      expect(at).toBeLessThanOrEqual(loadedAt + policy.soft_ttl_ms);
    }
    // Spread: the middle 80% of refreshes span more than half of the jitter window.
    const sorted = [...refreshAts].sort((a, b) => a - b);
    const spread = (sorted[179] ?? 0) - (sorted[20] ?? 0);
    expect(spread).toBeGreaterThan(policy.soft_ttl_ms * policy.jitter * 0.5);
  });
});
