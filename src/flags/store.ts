/**
 * The flag store: one Durable Object instance (`global`) holds the operators'
 * overrides of the flags declared in common/flags.ts, so every change is
 * serialised and read back strongly consistent. Writes come from the admin
 * API over RPC; every worker's isolates read `GET /flags` through a short
 * cache (common/config-document.ts). A flag without an override has its
 * default; resetting a flag removes its override.
 */
import { DurableObject } from 'cloudflare:workers';
import { serveDocument } from '@common/config-document';
import {
  EMPTY_FLAG_SET,
  FLAGS_URL,
  type FlagName,
  type FlagSet,
  FlagSetSchema,
  type FlagState,
} from '@common/flags';

const KEY = 'flags';

export class FlagStore extends DurableObject<GatewayEnv> {
  /** Every stored override, with the document's version. */
  async list(): Promise<FlagSet> {
    const stored = await this.ctx.storage.get<unknown>(KEY);
    // A document written by a later or earlier release that no longer parses
    // is not served: readers would refuse it anyway and keep their copy.
    const parsed = FlagSetSchema.safeParse(stored ?? EMPTY_FLAG_SET);
    return parsed.success ? parsed.data : EMPTY_FLAG_SET;
  }

  /** Sets `name`'s override; `by` names the operator, for the record. */
  async set(name: FlagName, state: FlagState, by: string, now = Date.now()): Promise<FlagSet> {
    const current = await this.list();
    return this.#write({
      version: current.version + 1,
      flags: { ...current.flags, [name]: { ...state, updatedAt: now, updatedBy: by } },
    });
  }

  /** Removes `name`'s override: the flag has its default again. */
  async reset(name: FlagName): Promise<FlagSet> {
    const current = await this.list();
    const { [name]: _removed, ...rest } = current.flags;
    return this.#write({ version: current.version + 1, flags: rest });
  }

  /** Read-only view for isolates (services bind this class from another script). */
  override fetch(request: Request): Promise<Response> {
    return serveDocument(request, FLAGS_URL, () => this.list());
  }

  async #write(next: FlagSet): Promise<FlagSet> {
    await this.ctx.storage.put(KEY, next);
    return next;
  }
}
