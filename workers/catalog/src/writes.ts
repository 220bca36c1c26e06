/**
 * Admin product writes. Each write and the event it causes go into one D1
 * `batch()` with the outbox row, so a committed write always has its event
 * (and a failed one never does). `version` and `updatedAt` move forward on
 * every update; updates are optimistic (`WHERE version = ?`) and re-read and
 * re-apply the patch when another write got in between.
 */

import {
  type CreateProductInputSchema,
  PRODUCT_CHANGED,
  PRODUCT_DELETED,
  type ProductChanged,
  type ProductDeleted,
  type UpdateProductInputSchema,
} from '@common/contracts/catalog';
import { makeEnvelope } from '@common/envelope';
import { newId } from '@common/ids';
import { errorMessage } from '@common/log';
import { fail, ok, type Result } from '@common/problem';
import type { Region } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import type { z } from 'zod';
import { outboxInsert } from './outbox';
import { PRODUCT_COLUMNS, type ProductRow, snapshotOf } from './store';

export interface WriteContext {
  d1: D1Database;
  meta: CallMeta;
  /** The catalog's home region, stamped on its events. */
  region: Region;
}

type CreateInput = z.output<typeof CreateProductInputSchema>;
type UpdateInput = z.output<typeof UpdateProductInputSchema>;

/** Optimistic update rounds before giving up with 409. */
const UPDATE_ATTEMPTS_MAX = 3;

const isSkuTaken = (error: unknown) =>
  /UNIQUE constraint failed: products\.sku/i.test(errorMessage(error));

const skuTaken = (sku: string) =>
  fail<never>(409, 'sku_taken', `a product with sku "${sku}" already exists`);

const notFound = (id: string) =>
  fail<never>(404, 'product_not_found', `no product with id "${id}"`);

function envelopeOf<P>(ctx: WriteContext, type: string, payload: P, now: number) {
  return makeEnvelope({
    type,
    payload,
    region: ctx.region,
    correlationId: ctx.meta.requestId,
    traceparent: ctx.meta.traceparent,
    now,
  });
}

async function currentRow(d1: D1Database, id: string): Promise<ProductRow | null> {
  return d1.prepare(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ?`).bind(id).first();
}

export async function createProduct(
  ctx: WriteContext,
  input: CreateInput,
): Promise<Result<ProductRow>> {
  const now = Date.now();
  const row: ProductRow = {
    id: newId('prd', now),
    sku: input.sku,
    name: input.name,
    description: input.description,
    category: input.category,
    price_amount: input.price.amount,
    currency: input.price.currency,
    updated_at: now,
    version: 1,
  };
  const event: ProductChanged = { change: 'created', product: snapshotOf(row) };
  try {
    await ctx.d1.batch([
      ctx.d1
        .prepare(
          `INSERT INTO products (id, sku, name, description, category, price_amount, currency, created_at, updated_at, version)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1)`,
        )
        .bind(
          row.id,
          row.sku,
          row.name,
          row.description,
          row.category,
          row.price_amount,
          row.currency,
          now,
        ),
      outboxInsert(ctx.d1, envelopeOf(ctx, PRODUCT_CHANGED, event, now), { now }),
    ]);
  } catch (error) {
    if (isSkuTaken(error)) return skuTaken(input.sku);
    throw error;
  }
  return ok(row);
}

function applyPatch(current: ProductRow, patch: UpdateInput, now: number): ProductRow {
  return {
    ...current,
    sku: patch.sku ?? current.sku,
    name: patch.name ?? current.name,
    description: patch.description ?? current.description,
    category: patch.category ?? current.category,
    price_amount: patch.price?.amount ?? current.price_amount,
    currency: patch.price?.currency ?? current.currency,
    // Strictly later than the last write even when the clock has not moved
    // (a Worker's clock stands still between I/O).
    updated_at: Math.max(now, current.updated_at + 1),
    version: current.version + 1,
  };
}

/** A write's precondition (If-Match): the versions the client last saw; any other is 412. */
export interface WriteCondition {
  ifVersions?: readonly number[] | undefined;
}

export async function updateProduct(
  ctx: WriteContext,
  id: string,
  patch: UpdateInput,
  { ifVersions }: WriteCondition = {},
): Promise<Result<ProductRow>> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS_MAX; attempt++) {
    const current = await currentRow(ctx.d1, id);
    if (!current) return notFound(id);
    // Checked against the row this round writes over (`WHERE version = ?`): no lost update.
    if (ifVersions && !ifVersions.includes(current.version)) {
      return fail(
        412,
        'precondition_failed',
        `product ${id} has changed (version ${current.version})`,
      );
    }
    const next = applyPatch(current, patch, Date.now());
    const moved = next.sku !== current.sku || next.category !== current.category;
    const event: ProductChanged = {
      change: 'updated',
      product: snapshotOf(next),
      ...(moved ? { previous: { sku: current.sku, category: current.category } } : {}),
    };
    try {
      const [update] = await ctx.d1.batch([
        ctx.d1
          .prepare(
            `UPDATE products SET sku = ?1, name = ?2, description = ?3, category = ?4,
               price_amount = ?5, currency = ?6, updated_at = ?7, version = ?8
             WHERE id = ?9 AND version = ?10`,
          )
          .bind(
            next.sku,
            next.name,
            next.description,
            next.category,
            next.price_amount,
            next.currency,
            next.updated_at,
            next.version,
            id,
            current.version,
          ),
        outboxInsert(ctx.d1, envelopeOf(ctx, PRODUCT_CHANGED, event, next.updated_at), {
          now: next.updated_at,
          ifPreviousChanged: true,
        }),
      ]);
      if (update?.meta.changes === 1) return ok(next);
    } catch (error) {
      if (isSkuTaken(error)) return skuTaken(next.sku);
      throw error;
    }
  }
  return fail(409, 'product_write_conflict', 'the product kept changing concurrently; retry');
}

export async function deleteProduct(
  ctx: WriteContext,
  id: string,
): Promise<Result<{ id: string; version: number }>> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS_MAX; attempt++) {
    const current = await currentRow(ctx.d1, id);
    if (!current) return notFound(id);
    const now = Date.now();
    const event: ProductDeleted = {
      productId: id,
      sku: current.sku,
      category: current.category,
      version: current.version,
    };
    const [removal] = await ctx.d1.batch([
      ctx.d1
        .prepare('DELETE FROM products WHERE id = ?1 AND version = ?2')
        .bind(id, current.version),
      outboxInsert(ctx.d1, envelopeOf(ctx, PRODUCT_DELETED, event, now), {
        now,
        ifPreviousChanged: true,
      }),
    ]);
    if (removal?.meta.changes === 1) return ok({ id, version: current.version });
  }
  return fail(409, 'product_write_conflict', 'the product kept changing concurrently; retry');
}
