/**
 * Paging a list gathered from every region, newest first. The cursor is
 * opaque to clients; inside, it holds each region's own position (after
 * which order its next page starts, or that it is exhausted) and a
 * fingerprint of the filters it was made for. Per-region positions make
 * pages stable and complete even when a region fails: a region that did
 * not answer keeps its position, so its orders come on a later page rather
 * than being skipped; no order is listed twice.
 */
import { hash32 } from '@common/hashring';
import { problem } from '@common/problem';
import { REGIONS, type Region } from '@common/regions';
import { z } from 'zod';

/** Where a region's next page starts: after this (creation time, id), newest first. */
export interface Position {
  createdAt: number;
  orderId: string;
}
/** Absent: from the start; 'done': nothing more in that region. */
export type Positions = Partial<Record<Region, Position | 'done'>>;

export interface Keyed {
  region: Region;
  /** Epoch ms. */
  createdAt: number;
  orderId: string;
}

const CursorSchema = z.object({
  v: z.literal(1),
  f: z.string().max(16),
  p: z.partialRecord(
    z.enum(REGIONS),
    z.union([
      z.literal('done'),
      z.tuple([z.number().int().nonnegative(), z.string().min(1).max(64)]),
    ]),
  ),
});

const toBase64Url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

function fromBase64Url(text: string): string {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** A fingerprint of the filters: a cursor only continues the query it came from. */
export const filtersKey = (filters: Record<string, string | undefined>): string =>
  hash32(JSON.stringify(Object.entries(filters).sort())).toString(36);

export function encodeCursor(filters: string, positions: Positions): string {
  const p = Object.fromEntries(
    Object.entries(positions).map(([r, at]) => [
      r,
      at === 'done' ? at : [at.createdAt, at.orderId],
    ]),
  );
  return toBase64Url(JSON.stringify({ v: 1, f: filters, p }));
}

const invalid = () => problem(400, 'cursor_invalid', 'the cursor is not one this listing issued');

/** The positions a cursor holds; 400 `cursor_invalid` for anything else, or another query's. */
export function decodeCursor(cursor: string, filters: string): Positions {
  let parsed: z.infer<typeof CursorSchema>;
  try {
    parsed = CursorSchema.parse(JSON.parse(fromBase64Url(cursor)));
  } catch {
    throw invalid();
  }
  if (parsed.f !== filters)
    throw problem(400, 'cursor_invalid', 'the cursor belongs to a query with other filters');
  return Object.fromEntries(
    Object.entries(parsed.p).map(([r, at]) => [
      r,
      at === 'done' ? at : { createdAt: at[0], orderId: at[1] },
    ]),
  );
}

/** Newest first; the id breaks ties (the order every region's query uses). */
export const newestFirst = (a: Keyed, b: Keyed): number =>
  b.createdAt - a.createdAt || (a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0);

/**
 * One page from what the regions answered (each at most `limit + 1` items
 * after its position; a region missing from `answered` did not answer), and
 * the positions the next page starts from.
 */
export function mergePage<I extends Keyed>(
  asked: readonly Region[],
  answered: Partial<Record<Region, readonly I[]>>,
  positions: Positions,
  limit: number,
): { items: I[]; next: Positions } {
  const items = asked
    .flatMap((region) => answered[region] ?? [])
    .sort(newestFirst)
    .slice(0, limit);
  const next: Positions = { ...positions };
  for (const region of asked) {
    const fetched = answered[region];
    if (!fetched) continue;
    const taken = items.filter((i) => i.region === region);
    const last = taken.at(-1);
    if (taken.length === fetched.length && fetched.length <= limit) next[region] = 'done';
    else if (last) next[region] = { createdAt: last.createdAt, orderId: last.orderId };
  }
  return { items, next };
}

export const exhausted = (regions: readonly Region[], positions: Positions): boolean =>
  regions.every((r) => positions[r] === 'done');
