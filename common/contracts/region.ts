/** The configured regions as a schema, for contracts and the OpenAPI document. */
import { z } from 'zod';
import { REGIONS } from '../regions';

export const RegionSchema = z.enum(REGIONS).meta({ id: 'Region' });

/** How one region's leg of an operator's scatter-gather read went (src/admin/scatter.ts). */
export const RegionOutcomeSchema = z
  .object({
    status: z.enum(['ok', 'timeout', 'error']),
    latencyMs: z.number().int(),
    detail: z.string().optional(),
  })
  .meta({ id: 'RegionOutcome' });
