/**
 * Reading the fault registry from any worker. The registry is a Durable
 * Object hosted by the gateway (`FaultRegistry`, one instance named
 * `global`); a service binds it with `script_name = "meridian-gateway"` and
 * reads `GET /rules` from it (common/config-document.ts). The binding is typed
 * by wrangler without the class (it lives in another script), so the answer
 * is validated by FaultRules.
 */
import { env } from 'cloudflare:workers';
import { type DocumentNamespace, documentLoader, isDocumentNamespace } from '../config-document';
import { createLogger } from '../log';
import { FaultRules } from './faults';

export const FAULT_REGISTRY_BINDING = 'FAULT_REGISTRY';
export const FAULT_REGISTRY_INSTANCE = 'global';
export const FAULT_RULES_URL = 'https://fault-registry/rules';

/** Loads the current rule set from the registry over its `fetch` handler. */
export function registryLoader(namespace: DocumentNamespace): () => Promise<unknown> {
  return documentLoader(namespace, FAULT_REGISTRY_INSTANCE, FAULT_RULES_URL);
}

let shared: FaultRules | null | undefined;

/**
 * This isolate's cached view of the rules, from the worker's own bindings
 * (`import { env } from 'cloudflare:workers'`), or null when the worker has
 * no FAULT_REGISTRY binding or injection is disabled (FAULT_INJECTION=disabled).
 */
export function workerFaultRules(): FaultRules | null {
  if (shared !== undefined) return shared;
  const namespace: unknown = Reflect.get(env, FAULT_REGISTRY_BINDING);
  const disabled = Reflect.get(env, 'FAULT_INJECTION') === 'disabled';
  const cache_ms = Number(Reflect.get(env, 'FAULTS_CACHE_MS')) || 1000;
  shared =
    !disabled && isDocumentNamespace(namespace)
      ? new FaultRules(registryLoader(namespace), {
          cache_ms: Math.min(cache_ms, 2000),
          log: createLogger({ service: 'fault-rules' }),
        })
      : null;
  return shared;
}
