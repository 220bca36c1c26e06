/**
 * The previous release, as a mixed fleet meets it: the schema its code was
 * written against. Taken from commit 7462d4a (the last commit on main that
 * touched a migration before runtime flags), verbatim, so that later edits of
 * the current code cannot change what "previous" means:
 * - D1: how many migrations each database had, with a hash of each, so a
 *   shipped migration can never be edited in place (append-only);
 * - Durable Object SQLite: how each class created its tables — through
 *   `migrateSqlite` steps, or inline before it had steps — as the first
 *   `steps` of its current steps, with a hash of those statements
 *   (whitespace collapsed), so a shipped step can never change either.
 * On a release that changes a schema, move this fixture to the new release
 * once the change has shipped everywhere (docs/operations.md, "Schema
 * changes in a mixed fleet").
 */
/** How a class created its tables in that release. */
export interface PreviousObjectSchema {
  /** `steps`: through `migrateSqlite` (recorded in `_schema`); `inline`: run directly, before the class had steps. */
  createdBy: 'steps' | 'inline';
  /** Its statements are the first `steps` of the class's current steps… */
  steps: number;
  /** …whose statements, whitespace collapsed and joined by ";\n", hash to this. */
  sha256: string;
}

export const PREVIOUS_RELEASE = {
  commit: '7462d4a',
  d1: {
    catalog: [
      '29e8f8944a546bdd8f1c348202db39e8af4a93ffcfbf9cf1bf65a8319dfe05a4',
      '53a793ded8041e83c0a240b89d315e47f1317eefb93a3023096533091703a509',
    ],
    identity: ['d5858ebd9e127c88e0b1bc019e384176846045c4af43c307d3d78a4ebc3199a0'],
    'identity-directory': ['a21475449ba9b1641b860251685e92072352d66ccfc4115a660f9b885e324781'],
    payments: [
      '783b9cb566c5131cb25741f0f49b3cdcf817bfd274bbf438ae37a25f229b80b2',
      'e9a02bb8cbd36b4d46beacd2aa3c1a935e8bcbcab44df09a83be7bee375ef1f6',
    ],
    orders: ['9a370dde7f52308fdc7660e9ade55b150915c6d1bc86b921f7b1205a68624c32'],
    notifications: [
      '3b67714f20f32f1afa7d4c7175b4f0d8e3803fb000a7ad4136f0d94dc3a29183',
      'af64555a2cbc467b064820efe446787b9c534ff45fd607afab2c4a9302c848ec',
    ],
  } as Record<string, string[]>,
  durableObjects: {
    // workers/inventory/src/schema.ts
    InventoryShard: {
      createdBy: 'steps',
      steps: 2,
      sha256: '872940d432b6f8329666623f8c8d7a08405c0bc056f1378731ae45e2df67f0f4',
    },
    // workers/payments/src/ledger-schema.ts
    AccountLedger: {
      createdBy: 'steps',
      steps: 1,
      sha256: '35eb5ad8975ba2633cf0e1022ac781ae962cce760ffd767bd99d227aeb5a531c',
    },
    // workers/orders/src/saga.ts (saga, saga_log) and common/outbox.ts
    // (outbox, inbox): CREATE TABLE IF NOT EXISTS in their constructors.
    OrderSaga: {
      createdBy: 'inline',
      steps: 1,
      sha256: '3aed7e66ea8040a871536f1a81fea5a77783e7681022559b85f16eec02511e4b',
    },
    // src/ratelimit/limiter.ts: CREATE TABLE IF NOT EXISTS in its constructor.
    RateLimiter: {
      createdBy: 'inline',
      steps: 1,
      sha256: 'a8baf2854147751752e44faef21cebaf938c0e0ceb826bb3219d17be713772eb',
    },
    // src/idempotency/record.ts: CREATE TABLE IF NOT EXISTS on first use.
    IdempotencyRecord: {
      createdBy: 'inline',
      steps: 1,
      sha256: '637248f72262773d375deb3d52dcf05af7ce690ea2c3f33f81f9008d5b874eda',
    },
  } as Record<string, PreviousObjectSchema>,
};
