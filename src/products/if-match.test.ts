/**
 * PATCH /v1/products/{id} with If-Match (optimistic concurrency, RFC 9110
 * §13.1.1): the ETag last read lets the write through; a stale one is 412
 * and changes nothing; `*` needs the product to exist; the check is made at
 * the catalog against the row the write replaces, so of two writers holding
 * the same ETag exactly one wins. Without If-Match nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { call, operatorKey } from '../../test/support/clients';
import { insertProduct } from '../../test/support/fixtures';

interface ProductBody {
  id: string;
  name: string;
  version: number;
}

const patch = (id: string, name: string, ifMatch?: string) =>
  call('PATCH', `/v1/products/${id}`, {
    apiKey: operatorKey(),
    body: { name },
    headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
  });

async function expect412(res: Response) {
  expect(res.status).toBe(412);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(((await res.json()) as { type: string }).type).toMatch(/precondition_failed$/);
}

async function current(id: string): Promise<{ etag: string; body: ProductBody }> {
  // A write returns the ETag of what it wrote; the name shows whether one applied.
  const res = await patch(id, `Read ${crypto.randomUUID().slice(0, 6)}`);
  expect(res.status).toBe(200);
  return { etag: res.headers.get('etag') ?? '', body: (await res.json()) as ProductBody };
}

describe('PATCH /v1/products/{id} with If-Match', () => {
  it('the current ETag writes (and answers the next one); a stale ETag is 412 and changes nothing', async () => {
    const { id } = await insertProduct();
    const { etag } = await current(id);
    const fresh = await patch(id, 'First writer', etag);
    expect(fresh.status).toBe(200);
    const next = fresh.headers.get('etag') ?? '';
    expect(next).not.toBe(etag);
    await fresh.arrayBuffer();
    await expect412(await patch(id, 'Lost update', etag));
    const after = await patch(id, 'Second writer', next);
    expect(after.status).toBe(200);
    expect(((await after.json()) as ProductBody).name).toBe('Second writer');
  });

  it('compares the product version: a tag whose stock part differs still matches', async () => {
    const { id } = await insertProduct();
    const { body } = await current(id);
    const res = await patch(id, 'Stock moved', `"${id}.v${body.version}.sdeadbeef"`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await expect412(await patch(id, 'Weak', `W/"${id}.v${body.version + 1}"`));
    await expect412(await patch(id, 'Other product', `"prd_other.v${body.version + 1}"`));
    await expect412(await patch(id, 'Garbage', 'not-an-etag'));
  });

  it('If-Match: * writes an existing product; on a missing one any If-Match is 412', async () => {
    const { id } = await insertProduct();
    const star = await patch(id, 'Any version', '*');
    expect(star.status).toBe(200);
    await star.arrayBuffer();
    const missing = 'prd_01M80000000000000000000000';
    await expect412(await patch(missing, 'Nobody', '*'));
    await expect412(await patch(missing, 'Nobody', `"${missing}.v1"`));
    const plain = await patch(missing, 'Nobody');
    expect(plain.status).toBe(404);
    await plain.arrayBuffer();
  });

  it('of concurrent writers holding the same ETag exactly one wins; the others get 412', async () => {
    const { id } = await insertProduct();
    const { etag } = await current(id);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => patch(id, `Writer ${i}`, etag)),
    );
    const statuses = answers.map((r) => r.status).sort();
    await Promise.all(answers.map((r) => r.arrayBuffer()));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The rest lost: 412, or 409 when the catalog's retries ran out first.
    expect(statuses.filter((s) => s !== 200).every((s) => s === 412 || s === 409)).toBe(true);
    expect(statuses).toContain(412);
  });

  it('without If-Match a PATCH applies as before', async () => {
    const { id } = await insertProduct();
    const res = await patch(id, 'No precondition');
    expect(res.status).toBe(200);
    expect(((await res.json()) as ProductBody).name).toBe('No precondition');
  });
});
