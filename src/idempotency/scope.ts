/** What an (idem) route's handler learns about its Idempotency-Key (set by `idempotent()`). */
export interface IdempotencyScope {
  key: string;
  /** The caller the key belongs to, e.g. `customer:cus_…`. */
  scope: string;
  /** Stable id for the operation, unique per caller and key. */
  operationId: string;
  /** When this key was first started (kept across takeovers): for ids derived from the key. */
  startedAt: number;
}
