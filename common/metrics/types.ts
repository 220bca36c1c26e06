/** What a service's `metrics()` RPC answers: plain samples, rendered by the gateway. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * One series of a service's `metrics()` answer (rendered by the gateway's
 * `/metrics`, which adds the `service` label and, where a sample has none,
 * the `region` of the isolate that answered).
 */
export interface MetricSample {
  /** The family name; a histogram's series render as `<name>_bucket|_sum|_count`. */
  name: string;
  type: MetricType;
  help: string;
  labels: Readonly<Record<string, string>>;
  value: number;
  /** Histograms only: which series of the family (a bucket carries an `le` label). */
  series?: 'bucket' | 'sum' | 'count';
}
