/**
 * The operation id an (idem) route passes downstream, derived from the
 * caller-scoped id `idempotent()` sets: a retry after a lost response (the
 * gateway died between the effect and storing its response) then applies
 * once at the service too.
 */
// The ledger's limit; inventory's restock accepts the same length.
import { OPERATION_ID_MAX } from '@common/contracts/payments';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';

/**
 * `kind:` + the caller-scoped id, or `kind:sha256:<hex>` when that would be
 * longer than services accept (a long key): just as stable, always fits.
 * Undefined on a route whose key is optional and was not sent.
 */
export async function scopedOperationId(
  c: Context<GatewayBindings>,
  kind: string,
): Promise<string | undefined> {
  const scope = c.get('idempotency');
  if (!scope) return undefined;
  const id = `${kind}:${scope.operationId}`;
  if (id.length <= OPERATION_ID_MAX) return id;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(scope.operationId));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${kind}:sha256:${hex}`;
}

/** For routes whose key is required: the id must exist, else idempotent() is missing (a wiring bug). */
export async function requiredOperationId(
  c: Context<GatewayBindings>,
  kind: string,
): Promise<string> {
  const id = await scopedOperationId(c, kind);
  if (id === undefined) throw new Error(`${c.req.path} is not guarded by idempotent()`);
  return id;
}
