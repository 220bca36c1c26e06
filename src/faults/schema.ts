/**
 * The admin fault API's bodies. Strict: an unknown field is a 400, so a typo
 * (`latency_ms`) cannot silently create a different rule than intended.
 */
import { FAULT_LIMITS, QUEUE_TARGET } from '@common/resilience';
import { z } from '@hono/zod-openapi';
import { REGION_TARGET } from '../admin/scatter';
import { SERVICE_NAMES } from '../upstream/services';

/** Cart replication between replicas (drop: a partition) and one preferences storage node. */
const REPLICATION_TARGET = 'replication';
const REPLICA_TARGET = /^replica:[a-z]+-n\d{1,3}$/;

const Target = z
  .union([
    z.enum(SERVICE_NAMES),
    z.literal(REPLICATION_TARGET),
    z.string().regex(QUEUE_TARGET, 'a queue target is queue:<name>'),
    z.string().regex(REGION_TARGET, 'a region target is region:<configured region>'),
    z.string().regex(REPLICA_TARGET, 'a replica target is replica:<node id>, e.g. replica:us-n0'),
  ])
  .openapi({
    description:
      'An upstream service (`catalog`, …), a queue consumer (`queue:<queue name>`), one region’s leg of the admin scatter-gather reads (`region:eu`), cart replication (`replication`: `drop` partitions the replicas) or one preferences storage node (`replica:us-n0`, as GET /v1/admin/preferences/{customerId}/replicas lists it).',
    example: 'catalog',
  });

const shared = {
  target: Target,
  rate: z.number().gt(0).max(1).openapi({ description: 'Fraction of calls affected, (0, 1].' }),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(FAULT_LIMITS.ttl_s_max)
    .optional()
    .openapi({ description: `Lifetime; default ${FAULT_LIMITS.ttl_s_default} s.` }),
};

const LatencyRule = z
  .object({
    ...shared,
    kind: z.literal('latency'),
    latencyMs: z.number().int().min(1).max(FAULT_LIMITS.latency_ms_max),
  })
  .strict();

const FailureRule = z
  .object({
    ...shared,
    kind: z.enum(['error', 'drop']).openapi({
      description: '`error`: the call fails at once; `drop`: no answer until the deadline.',
    }),
  })
  .strict();

export const FaultRuleInputSchema = z.discriminatedUnion('kind', [LatencyRule, FailureRule]);

export const PutFaultsSchema = z
  .object({ rules: z.array(FaultRuleInputSchema).max(FAULT_LIMITS.rules_max) })
  .strict()
  .superRefine(({ rules }, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, i) => {
      const key = `${rule.target} ${rule.kind}`;
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i],
          message: `a second ${rule.kind} rule for ${rule.target}`,
        });
      }
      seen.add(key);
    });
  })
  .openapi('FaultRulesInput');

export const FaultRuleSchema = z
  .object({
    target: z.string(),
    kind: z.enum(['latency', 'error', 'drop']),
    rate: z.number(),
    latencyMs: z.number().int().optional(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('FaultRule');

export const FaultRulesSchema = z.object({ rules: z.array(FaultRuleSchema) }).openapi('FaultRules');
