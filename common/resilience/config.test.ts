import { describe, expect, it } from 'vitest';
import { DEFAULT_UPSTREAM_CONFIG, numberVar, parseLimits, upstreamConfigFromVars } from './config';

describe('upstreamConfigFromVars', () => {
  it('uses the defaults when vars are unset or malformed', () => {
    expect(upstreamConfigFromVars({})).toEqual(DEFAULT_UPSTREAM_CONFIG);
    expect(upstreamConfigFromVars({ UPSTREAM_TIMEOUT_MS: 'soon' }).timeout_ms).toBe(3000);
  });

  it('reads and clamps vars', () => {
    const config = upstreamConfigFromVars({
      UPSTREAM_TIMEOUT_MS: '250',
      BREAKER_FAILURE_RATE: '7',
      RETRY_ATTEMPTS_MAX: '99',
      FAULTS_CACHE_MS: '60000',
      FAULT_INJECTION: 'disabled',
    });
    expect(config.timeout_ms).toBe(250);
    expect(config.breaker.failure_rate).toBe(1);
    expect(config.retry.attempts_max).toBe(10);
    expect(config.faults).toEqual({ enabled: false, cache_ms: 2000 });
  });

  it('numberVar treats an empty string as unset', () => {
    expect(numberVar('', 5)).toBe(5);
    expect(numberVar('0', 5)).toBe(0);
  });
});

describe('per-upstream bulkhead limits', () => {
  it('parses name=concurrency/queue pairs and ignores malformed ones', () => {
    expect(parseLimits('idempotency=256/128, catalog = 4/2,bad,x=0/1,y=a/b')).toEqual({
      idempotency: { concurrency_max: 256, queue_max: 128 },
      catalog: { concurrency_max: 4, queue_max: 2 },
    });
    expect(parseLimits(undefined)).toEqual({});
  });

  it('an upstream with its own limit is not bound by the default', () => {
    const config = upstreamConfigFromVars({
      UPSTREAM_CONCURRENCY_MAX: '2',
      UPSTREAM_LIMITS: 'idempotency=64/8',
    });
    expect(config.concurrency_max).toBe(2);
    expect(config.limits.idempotency).toEqual({ concurrency_max: 64, queue_max: 8 });
  });
});
