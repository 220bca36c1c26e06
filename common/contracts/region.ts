/** The configured regions as a schema, for contracts and the OpenAPI document. */
import { z } from 'zod';
// Installs the client-facing validation messages in every worker that loads a contract.
import './messages';
import { REGIONS } from '../regions';

export const RegionSchema = z.enum(REGIONS).meta({ id: 'Region' });
