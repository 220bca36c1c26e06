/** The configured regions as a schema, for contracts and the OpenAPI document. */
import { z } from 'zod';
import { REGIONS } from '../regions';

export const RegionSchema = z.enum(REGIONS).meta({ id: 'Region' });
