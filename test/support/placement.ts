/**
 * Proving where Durable Objects are placed. Local workerd has no
 * jurisdictions, so a test cannot look at a created object and see "eu"; it
 * can see how the code asked for it. `recordPlacements` wraps a REAL
 * namespace binding: every stub is still the real object (the code under
 * test works as in production), and each `get` is recorded with the
 * jurisdiction the namespace was restricted to, the id's name and the
 * location hint.
 */

export interface Placement {
  /** The jurisdiction the namespace was restricted to; null when unrestricted. */
  jurisdiction: string | null;
  /** The name the id was made from (`<region>:<object name>`). */
  name: string;
  locationHint: string | undefined;
}

/** Restricts `real` to a jurisdiction where the runtime supports it (not local workerd). */
function restricted<T extends Rpc.DurableObjectBranded | undefined>(
  real: DurableObjectNamespace<T>,
  jurisdiction: DurableObjectJurisdiction,
): DurableObjectNamespace<T> {
  try {
    return real.jurisdiction(jurisdiction);
  } catch {
    return real;
  }
}

export function recordPlacements<T extends Rpc.DurableObjectBranded | undefined>(
  real: DurableObjectNamespace<T>,
): { namespace: DurableObjectNamespace<T>; placements: Placement[] } {
  const placements: Placement[] = [];
  const names = new Map<string, string>();
  const wrap = (
    inner: DurableObjectNamespace<T>,
    jurisdiction: string | null,
  ): DurableObjectNamespace<T> => {
    const wrapper = {
      jurisdiction: (j: DurableObjectJurisdiction) => wrap(restricted(inner, j), j),
      idFromName: (name: string) => {
        const id = inner.idFromName(name);
        names.set(id.toString(), name);
        return id;
      },
      idFromString: (id: string) => inner.idFromString(id),
      newUniqueId: (options?: DurableObjectNamespaceNewUniqueIdOptions) =>
        inner.newUniqueId(options),
      get: (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) => {
        placements.push({
          jurisdiction,
          name: names.get(id.toString()) ?? id.toString(),
          locationHint: options?.locationHint,
        });
        return inner.get(id, options);
      },
      getByName: (name: string, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
        wrapper.get(wrapper.idFromName(name), options),
    };
    return wrapper as unknown as DurableObjectNamespace<T>;
  };
  return { namespace: wrap(real, null), placements };
}
