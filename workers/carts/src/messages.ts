/**
 * What travels on the replication queues, declared once: the payload of a
 * `cart.replication` envelope is one replica-to-replica message, with the
 * cart it belongs to. Each region has its own queue; a message goes on the
 * queue of the region of the replica it is for.
 */

import { REGIONS, type Region } from '@common/regions';
import { z } from 'zod';
import type { Message } from './replication';

export const REPLICATION_MESSAGE = 'cart.replication';

/**
 * The outbox destination of replication messages: `queueSender` sends each on
 * the queue of its envelope's region (`CART_REPLICATION_EU` →
 * `meridian-cart-replication-eu`), which is the region of the replica it is for.
 */
export const REPLICATION_DESTINATION = 'CART_REPLICATION';
/** The replication queues' topic (`meridian-cart-replication-<region>`). */
export const REPLICATION_TOPIC = 'meridian-cart-replication';

/** Bounds a record's size, so a malformed message cannot make a replica do unbounded work. */
const bounded = <T extends z.ZodType>(schema: T, max: number) =>
  schema.refine((v) => Object.keys(v as object).length <= max, `at most ${max} entries`);

const ReplicaIdSchema = z.string().regex(/^[a-z]{2,8}$/);
const VersionVectorSchema = bounded(z.record(ReplicaIdSchema, z.number().int().nonnegative()), 16);
const CountersSchema = bounded(
  z.record(
    ReplicaIdSchema,
    z.object({ added: z.number().int().nonnegative(), removed: z.number().int().nonnegative() }),
  ),
  16,
);
const LinesSchema = bounded(z.record(z.string().min(1).max(64), CountersSchema), 2000);
const ChangeSchema = z.object({
  dot: z.object({ replica: ReplicaIdSchema, seq: z.number().int().positive() }),
  lines: LinesSchema,
});

const base = { from: ReplicaIdSchema, to: ReplicaIdSchema, vv: VersionVectorSchema };

export const MessageSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('changes'), changes: z.array(ChangeSchema).min(1).max(100) }),
  z.object({ ...base, kind: z.literal('state'), lines: LinesSchema }),
  z.object({ ...base, kind: z.literal('ack') }),
]);

export const ReplicationPayloadSchema = z.object({
  customerId: z.string().min(1).max(64),
  home: z.enum(REGIONS),
  message: MessageSchema,
});
export type ReplicationPayload = { customerId: string; home: Region; message: Message };
