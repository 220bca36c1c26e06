/**
 * The envelope every queue message carries. `id` is unique and stable across
 * redelivery, so consumers use it as their idempotency key.
 */
import { z } from 'zod';
import { newId } from './ids';
import { REGIONS } from './regions';

export const EnvelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.string(),
  causationId: z.string().nullable(),
  correlationId: z.string(),
  traceparent: z.string(),
  region: z.enum(REGIONS),
  payload: z.unknown(),
});

export type Envelope<P = unknown> = Omit<z.infer<typeof EnvelopeSchema>, 'payload'> & {
  payload: P;
};

export interface EnvelopeInit<P> {
  type: string;
  version?: number;
  payload: P;
  region: Envelope['region'];
  correlationId: string;
  traceparent: string;
  causationId?: string | null;
  now?: number;
}

export function makeEnvelope<P>(init: EnvelopeInit<P>): Envelope<P> {
  const now = init.now ?? Date.now();
  return {
    id: newId('msg', now),
    type: init.type,
    version: init.version ?? 1,
    occurredAt: new Date(now).toISOString(),
    causationId: init.causationId ?? null,
    correlationId: init.correlationId,
    traceparent: init.traceparent,
    region: init.region,
    payload: init.payload,
  };
}

/** Parses an envelope and its payload; throws a ZodError when either is malformed. */
export function parseEnvelope<S extends z.ZodType>(
  body: unknown,
  payload: S,
): Envelope<z.infer<S>> {
  const envelope = EnvelopeSchema.parse(body);
  return { ...envelope, payload: payload.parse(envelope.payload) };
}
