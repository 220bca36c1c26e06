/**
 * Preferences contracts between the gateway and the preferences service: a
 * customer's preferences are one JSON object, kept leaderless on N nodes,
 * read and written at the consistency level each request asks for.
 */
import { z } from 'zod';

export const CONSISTENCY_LEVELS = ['one', 'quorum', 'all'] as const;
export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];

/** The largest preferences object, as UTF-8 JSON. */
export const PREFERENCES_BYTES_MAX = 4096;

export const PreferencesObjectSchema = z
  .record(z.string(), z.unknown())
  .meta({ description: `A JSON object of at most ${PREFERENCES_BYTES_MAX} bytes.` });
export type PreferencesObject = z.infer<typeof PreferencesObjectSchema>;

export const PreferencesViewSchema = z
  .object({
    preferences: PreferencesObjectSchema,
    version: z.string().nullable().meta({
      description: 'Hybrid logical clock of the write that set them (null: never set).',
    }),
  })
  .meta({ id: 'Preferences' });
export type PreferencesView = z.infer<typeof PreferencesViewSchema>;

export const ReplicaViewSchema = z.object({
  id: z.string().meta({ description: 'Node id; `replica:<id>` is its fault target.' }),
  role: z.enum(['primary', 'fallback']),
  up: z.boolean().meta({ description: 'False while an operator fault rule takes it down.' }),
  version: z.string().nullable().meta({ description: "The node's own copy's version." }),
  hinted: z
    .array(z.object({ for: z.string(), version: z.string() }))
    .meta({ description: 'Hints this node holds for the customer, for nodes that were down.' }),
});

export const ReplicasViewSchema = z
  .object({
    region: z.string(),
    n: z.number().int(),
    w: z.number().int(),
    r: z.number().int(),
    replicas: z.array(ReplicaViewSchema),
  })
  .meta({ id: 'PreferenceReplicas' });
export type ReplicasView = z.infer<typeof ReplicasViewSchema>;

/** The byte size of `value` as the service stores it (UTF-8 JSON). */
export const jsonBytes = (value: unknown): number =>
  new TextEncoder().encode(JSON.stringify(value)).byteLength;
