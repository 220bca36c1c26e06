/** Response schemas reused by several routes, for validation docs and OpenAPI. */

import { REGIONS } from '@common/regions';
import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: `problem (${status})`,
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    ]),
  );

export const MoneySchema = z
  .object({ amount: z.number().int(), currency: z.string() })
  .openapi('Money');

export const ProductSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    price: MoneySchema,
    updatedAt: z.string(),
    version: z.number().int(),
    availability: z.partialRecord(z.enum(REGIONS), z.number().int()),
  })
  .openapi('Product');

export const RegionSchema = z.enum(REGIONS).openapi('Region');
