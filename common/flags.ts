/**
 * Runtime flags: switches operators change without a deploy
 * (`PUT /v1/admin/flags/:name`), evaluated by the gateway and by services.
 *
 * Every flag is declared here, once, with its default: a name not declared
 * here does not exist (the admin API answers 404 `flag_unknown`), and when
 * the store cannot be read every flag has its default. The stored overrides
 * live in one Durable Object (`FlagStore`, hosted by the gateway, instance
 * `global`); every isolate reads them through a `DocumentCache` of at most
 * `FLAGS_CACHE_MS` (≤ 4 s), so a change is in force everywhere within 5 s and
 * evaluating a flag costs no round trip while the copy is fresh.
 *
 * A flag is on for a subject when it is `enabled`, the subject's region is
 * in `regions` (when set), and the subject falls within `percentage` (when
 * set): a stable hash of the flag name and the subject's key (the principal
 * id), so the same customer always gets the same answer for a flag, and
 * raising the percentage only adds customers.
 */
import { z } from 'zod';
import {
  DocumentCache,
  type DocumentNamespace,
  documentLoader,
  isDocumentNamespace,
} from './config-document';
import { hash32 } from './hashring';
import { createLogger } from './log';
import { REGIONS, type Region } from './regions';

/** Which region a request is judged by when a flag lists `regions`. */
export type FlagRegionScope = 'home' | 'serving';

export interface FlagDefinition {
  description: string;
  default: FlagState;
  region: FlagRegionScope;
}

/**
 * A flag's state. Not strict: a stored document written by a newer release
 * (with a field this one does not know) still reads; the admin API's body
 * schema is strict.
 */
export const FlagStateSchema = z.object({
  enabled: z.boolean(),
  percentage: z.number().int().min(0).max(100).optional(),
  regions: z
    .array(z.enum(REGIONS))
    .min(1)
    .max(REGIONS.length)
    .refine((rs) => new Set(rs).size === rs.length, 'each region may appear once')
    .optional(),
});
export type FlagState = z.infer<typeof FlagStateSchema>;

/**
 * The flags, their defaults and the region each is judged by:
 * - `orders.accepting` by the home region: an order is written there (saga,
 *   ledger, stock), so pausing `eu` stops what would be written in `eu`.
 * - `orders.fast_path` by the home region: the saga, its shards and ledgers
 *   run in the customer's home region; the saga evaluates it there.
 * - `catalog.edge_cache` by the serving region: the cache is the edge
 *   location's, and products are global.
 */
export const FLAGS = {
  'orders.accepting': {
    description:
      'Kill switch for ordering: off, POST /v1/orders and POST /v1/cart/checkout answer 503 ordering_paused with Retry-After.',
    default: { enabled: true },
    region: 'home',
  },
  'orders.fast_path': {
    description:
      'The saga calls inventory shards and ledgers directly over RPC; off, every command goes over its queue only.',
    default: { enabled: true },
    region: 'home',
  },
  'catalog.edge_cache': {
    description: "The gateway's edge cache for product reads; off, every read goes to the catalog.",
    default: { enabled: true },
    region: 'serving',
  },
} as const satisfies Record<string, FlagDefinition>;

export type FlagName = keyof typeof FLAGS;
export const FLAG_NAMES = Object.keys(FLAGS) as FlagName[];

export function isFlagName(name: string): name is FlagName {
  return Object.hasOwn(FLAGS, name);
}

export const StoredFlagSchema = FlagStateSchema.extend({
  updatedAt: z.number(),
  updatedBy: z.string(),
});
export type StoredFlag = z.infer<typeof StoredFlagSchema>;

/** The stored document: overrides only; a flag without one has its default. */
export const FlagSetSchema = z.object({
  version: z.number().int(),
  flags: z.record(z.string(), StoredFlagSchema),
});
export type FlagSet = z.infer<typeof FlagSetSchema>;
export const EMPTY_FLAG_SET: FlagSet = { version: 0, flags: {} };

export interface FlagSubject {
  /** The principal id (customer id); without one only 0 % and 100 % can apply. */
  key?: string;
  region?: Region;
}

/** The subject's bucket in [0, 100): stable per flag and key. */
export function flagBucket(name: FlagName, key: string): number {
  return hash32(`${name}\n${key}`) % 100;
}

/** Whether `state` is on for `subject` (pure). */
export function evaluateFlag(name: FlagName, state: FlagState, subject: FlagSubject): boolean {
  if (!state.enabled) return false;
  if (state.regions && !(subject.region && state.regions.includes(subject.region))) return false;
  const { percentage } = state;
  if (percentage === undefined || percentage >= 100) return true;
  if (percentage <= 0 || subject.key === undefined) return false;
  return flagBucket(name, subject.key) < percentage;
}

/** The state in force for `name`: the stored override, else the default. */
export function flagState(set: FlagSet, name: FlagName): FlagState & Partial<StoredFlag> {
  return set.flags[name] ?? FLAGS[name].default;
}

export const FLAG_STORE_BINDING = 'FLAG_STORE';
export const FLAG_STORE_INSTANCE = 'global';
export const FLAGS_URL = 'https://flag-store/flags';
/** The cache interval is capped so a change is in force within 5 s, read included. */
export const FLAGS_CACHE_MS_MAX = 4000;
const FLAGS_CACHE_MS_DEFAULT = 2000;

/** An isolate's view of the flags: a cached copy of the store. */
export class Flags {
  constructor(private readonly doc: DocumentCache<FlagSet>) {}

  /** Whether `name` is on for `subject`, from the cached copy (see DocumentCache.get). */
  async isOn(name: FlagName, subject: FlagSubject = {}): Promise<boolean> {
    return evaluateFlag(name, flagState(await this.doc.get(), name), subject);
  }

  /** The whole cached set. */
  snapshot(): Promise<FlagSet> {
    return this.doc.get();
  }

  /** Adopts a set this isolate just wrote, so its next request already obeys it. */
  adopt(set: FlagSet): void {
    this.doc.adopt(set);
  }
}

/** Reads the store over its fetch handler (services bind it by script_name). */
export function flagStoreLoader(namespace: DocumentNamespace): () => Promise<unknown> {
  return documentLoader(namespace, FLAG_STORE_INSTANCE, FLAGS_URL);
}

export function flagsCacheMs(bindings: object): number {
  const raw = Number(Reflect.get(bindings, 'FLAGS_CACHE_MS'));
  return Math.min(raw > 0 ? raw : FLAGS_CACHE_MS_DEFAULT, FLAGS_CACHE_MS_MAX);
}

/** One cache per store binding (per isolate); the binding object is the isolate's. */
const byNamespace = new WeakMap<DocumentNamespace, Flags>();
let withoutStore: Flags | undefined;
const log = () => createLogger({ service: 'flags' });

/**
 * The flags as this isolate sees them, for a worker's bindings (`env`). A
 * worker without a `FLAG_STORE` binding gets the defaults, and says so once.
 */
export function flagsFor(bindings: object): Flags {
  const namespace: unknown = Reflect.get(bindings, FLAG_STORE_BINDING);
  if (!isDocumentNamespace(namespace)) {
    if (!withoutStore) {
      log().warn('flags.store_missing', { binding: FLAG_STORE_BINDING, using: 'defaults' });
      withoutStore = new Flags(
        new DocumentCache({
          name: 'flags',
          load: async () => EMPTY_FLAG_SET,
          parse: (raw) => FlagSetSchema.parse(raw),
          initial: EMPTY_FLAG_SET,
          cache_ms: Number.POSITIVE_INFINITY,
        }),
      );
    }
    return withoutStore;
  }
  let flags = byNamespace.get(namespace);
  if (!flags) {
    flags = new Flags(
      new DocumentCache({
        name: 'flags',
        load: flagStoreLoader(namespace),
        parse: (raw) => FlagSetSchema.parse(raw),
        initial: EMPTY_FLAG_SET,
        cache_ms: flagsCacheMs(bindings),
        log: log(),
      }),
    );
    byNamespace.set(namespace, flags);
  }
  return flags;
}

/**
 * Whether flag `name` is on, for a worker's own bindings. Services call it
 * with their `env`, e.g. the saga: `await flagOn(env, 'orders.fast_path', { region })`.
 */
export function flagOn(
  bindings: object,
  name: FlagName,
  subject: FlagSubject = {},
): Promise<boolean> {
  return flagsFor(bindings).isOn(name, subject);
}
