/**
 * The problem+json response of every route, declared once for the OpenAPI
 * document. Entity schemas (money, products, orders, …) come from
 * `common/contracts/`, the one definition both the gateway and the services use.
 */

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

/** The D1 read session bookmark a read-model route takes and returns (common/d1-session.ts). */
export const BookmarkHeaders = z.object({
  'x-d1-bookmark': z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, 'not a bookmark')
    .optional()
    .openapi({
      description:
        'The X-D1-Bookmark of a previous answer: this read sees at least what that one saw, whichever replica serves it.',
    }),
});

export const bookmarkHeaderDocs = {
  'x-d1-bookmark': {
    description:
      "The read session's bookmark: send it with the next read to read at least this fresh.",
    schema: { type: 'string' as const },
  },
};
