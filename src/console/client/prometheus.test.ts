/**
 * The console's reading of /metrics: parsing the text format, and rates and
 * quantiles between two scrapes as Prometheus computes them, counter resets
 * included.
 */
import { describe, expect, it } from 'vitest';
import {
  bucketIncrease,
  histogram,
  increase,
  maxBy,
  parsePrometheus,
  quantile,
  total,
  totalBy,
} from './prometheus';

const TEXT = `# HELP meridian_http_requests_total HTTP requests.
# TYPE meridian_http_requests_total counter
meridian_http_requests_total{method="GET",route="/v1/products",status="200"} 10
meridian_http_requests_total{method="GET",route="/metrics",status="200"} 4
meridian_http_requests_total{method="POST",route="/v1/orders",status="503"} 2
meridian_http_request_duration_seconds_bucket{method="GET",route="/a",le="0.01"} 5
meridian_http_request_duration_seconds_bucket{method="GET",route="/a",le="0.1"} 9
meridian_http_request_duration_seconds_bucket{method="GET",route="/a",le="+Inf"} 10
meridian_http_request_duration_seconds_bucket{method="GET",route="/b",le="0.01"} 0
meridian_http_request_duration_seconds_bucket{method="GET",route="/b",le="0.1"} 0
meridian_http_request_duration_seconds_bucket{method="GET",route="/b",le="+Inf"} 10
meridian_dead_letters_oldest_age_seconds{service="notifications",region="eu"} 42
meridian_dead_letters_oldest_age_seconds{service="notifications",region="eu"} 40
weird{detail="a \\"quoted\\" \\\\ value"} 1 1700000000000
`;

describe('reading Prometheus text', () => {
  const samples = parsePrometheus(TEXT);

  it('parses names, labels (escapes included), values and skips comments', () => {
    expect(samples).toHaveLength(12);
    expect(samples.at(-1)).toEqual({
      name: 'weird',
      labels: { detail: 'a "quoted" \\ value' },
      value: 1,
    });
    expect(total(samples, 'meridian_http_requests_total')).toBe(16);
    expect(total(samples, 'meridian_http_requests_total', (l) => l.route !== '/metrics')).toBe(12);
    expect(total(samples, 'absent')).toBeUndefined();
    expect(totalBy(samples, 'meridian_http_requests_total', 'status')).toEqual(
      new Map([
        ['200', 14],
        ['503', 2],
      ]),
    );
    expect(maxBy(samples, 'meridian_dead_letters_oldest_age_seconds', 'region').get('eu')).toBe(42);
  });

  it('sums histogram buckets across series, +Inf last', () => {
    expect(histogram(samples, 'meridian_http_request_duration_seconds')).toEqual([
      [0.01, 5],
      [0.1, 9],
      [Number.POSITIVE_INFINITY, 20],
    ]);
  });

  it('interpolates quantiles inside their bucket; the +Inf bucket answers its lower bound', () => {
    const buckets: Array<[number, number]> = [
      [0.1, 50],
      [0.2, 100],
      [Number.POSITIVE_INFINITY, 100],
    ];
    expect(quantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(quantile(0.75, buckets)).toBeCloseTo(0.15);
    expect(quantile(0.25, buckets)).toBeCloseTo(0.05);
    expect(
      quantile(0.99, [
        [0.1, 1],
        [Number.POSITIVE_INFINITY, 100],
      ]),
    ).toBe(0.1);
    expect(
      quantile(0.5, [
        [0.1, 0],
        [Number.POSITIVE_INFINITY, 0],
      ]),
    ).toBeNull();
  });

  it('takes increases between scrapes; a lower counter is a reset, counted from zero', () => {
    expect(increase(15, 10)).toBe(5);
    expect(increase(3, 10)).toBe(3);
    expect(increase(7, undefined)).toBe(7);
    const before: Array<[number, number]> = [
      [0.1, 10],
      [Number.POSITIVE_INFINITY, 12],
    ];
    expect(
      bucketIncrease(
        [
          [0.1, 15],
          [Number.POSITIVE_INFINITY, 20],
        ],
        before,
      ),
    ).toEqual([
      [0.1, 5],
      [Number.POSITIVE_INFINITY, 8],
    ]);
    expect(
      bucketIncrease(
        [
          [0.1, 2],
          [Number.POSITIVE_INFINITY, 3],
        ],
        before,
      ),
    ).toEqual([
      [0.1, 2],
      [Number.POSITIVE_INFINITY, 3],
    ]);
  });
});
