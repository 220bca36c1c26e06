// Bench-only worker (never deployed): the far end of the bare-rpc floor. Its
// default entrypoint answers a constant over Workers RPC, as the catalog's
// default entrypoint answers a product, so bare-rpc is the least a route
// that calls a service over a binding can cost.
import { WorkerEntrypoint } from 'cloudflare:workers';

const CONSTANT = Object.freeze({ id: 'floor', status: 'ok' });

export default class FloorRpc extends WorkerEntrypoint {
  constant() {
    return CONSTANT;
  }

  fetch() {
    return Response.json(CONSTANT);
  }
}
