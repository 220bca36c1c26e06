/**
 * Captured and refunded totals per order, kept beside the log (rebuildable
 * from it) so that a refund can be checked against its capture in O(1).
 */
export class Captures {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** How much of `reference`'s captures can still be refunded. */
  refundable(reference: string): number {
    const row = this.#sql
      .exec<{ captured: number; refunded: number }>(
        'SELECT captured, refunded FROM captures WHERE reference = ?',
        reference,
      )
      .toArray()[0];
    return row ? row.captured - row.refunded : 0;
  }

  /** Records a capture or refund; call in the transaction of its event. */
  add(reference: string, kind: 'captured' | 'refunded', amount: number): void {
    if (kind === 'captured') {
      this.#sql.exec(
        `INSERT INTO captures (reference, captured, refunded) VALUES (?, ?, 0)
         ON CONFLICT (reference) DO UPDATE SET captured = captured + excluded.captured`,
        reference,
        amount,
      );
      return;
    }
    // A refund was checked against `refundable`, so its row exists; the CHECK
    // constraint aborts the transaction if that invariant is ever broken.
    this.#sql.exec(
      'UPDATE captures SET refunded = refunded + ? WHERE reference = ?',
      amount,
      reference,
    );
  }

  all(): Map<string, { captured: number; refunded: number }> {
    const rows = this.#sql
      .exec<{ reference: string; captured: number; refunded: number }>(
        'SELECT reference, captured, refunded FROM captures ORDER BY reference',
      )
      .toArray();
    return new Map(rows.map((r) => [r.reference, { captured: r.captured, refunded: r.refunded }]));
  }
}
