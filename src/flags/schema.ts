/**
 * The admin flag API's shapes. The body is strict: an unknown field
 * (`percent`) is a 400 rather than a flag silently left at 100 %.
 */
import { FLAG_NAMES, FlagStateSchema } from '@common/flags';
import { REGIONS } from '@common/regions';
import { z } from '@hono/zod-openapi';

export const FlagParams = z.object({
  name: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: 'name', in: 'path' }, example: 'orders.accepting' }),
});

export const PutFlagSchema = FlagStateSchema.extend({
  /** Optional; when sent it must be the path's name. */
  name: z.string().max(80).optional(),
})
  .strict()
  .openapi('FlagInput', {
    description:
      '`enabled` off: off for everyone. `percentage` (0-100, absent: everyone): share of principals for whom it is on, stable per principal (a hash of the flag name and the principal id). `regions` (absent: every region): where it is on, matched against the region the flag is judged by (`region`).',
  });

export const FlagSchema = z
  .object({
    name: z.enum(FLAG_NAMES),
    enabled: z.boolean(),
    percentage: z.number().int().optional(),
    regions: z.array(z.enum(REGIONS)).optional(),
    description: z.string(),
    region: z.enum(['home', 'serving']).openapi({
      description:
        'Which region `regions` is matched against: the caller’s home region or the serving edge’s.',
    }),
    source: z.enum(['default', 'override']).openapi({
      description: '`default`: no override is stored (DELETE resets to this).',
    }),
    default: FlagStateSchema,
    updatedAt: z.string().optional(),
    updatedBy: z.string().optional(),
  })
  .openapi('Flag');

export const FlagListSchema = z.object({ flags: z.array(FlagSchema) }).openapi('Flags');
