/**
 * Fault injection at runtime (admin): `PUT` replaces the rule set, `DELETE`
 * clears it (or one `target`), `GET` shows the live rules. Rules reach every
 * isolate within the fault cache interval (≤ 2 s) and expire on their own.
 */

import { problem } from '@common/problem';
import { FAULT_REGISTRY_INSTANCE, type FaultRuleSet, workerFaultRules } from '@common/resilience';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { FaultRulesSchema, PutFaultsSchema } from './schema';

export const adminFaults = new OpenAPIHono<GatewayBindings>();

const PATH = '/v1/admin/faults';

function registry(c: Context<GatewayBindings>) {
  if (c.env.FAULT_INJECTION === 'disabled') {
    throw problem(
      409,
      'fault_injection_disabled',
      'fault injection is disabled in this deployment',
    );
  }
  return c.env.FAULT_REGISTRY.getByName(FAULT_REGISTRY_INSTANCE);
}

/** The API view, and this isolate adopts the new set at once. */
function present(set: FaultRuleSet) {
  workerFaultRules()?.adopt(set);
  return {
    rules: set.rules.map((rule) => ({
      target: rule.target,
      kind: rule.kind,
      rate: rule.rate,
      ...(rule.latencyMs === undefined ? {} : { latencyMs: rule.latencyMs }),
      createdAt: new Date(rule.createdAt).toISOString(),
      expiresAt: new Date(rule.expiresAt).toISOString(),
    })),
  };
}

const rulesResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: FaultRulesSchema } },
});

adminFaults.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: PATH,
      summary: 'The live fault-injection rules (admin).',
      responses: { 200: rulesResponse('live rules'), ...problemResponses(401, 403, 409) },
    }),
  ),
  async (c) => c.json(present(await registry(c).list()), 200),
);

adminFaults.openapi(
  createRoute(
    withAccess('admin', {
      method: 'put',
      path: PATH,
      summary: 'Replace the fault-injection rules (admin); each expires after its TTL.',
      request: {
        body: { content: { 'application/json': { schema: PutFaultsSchema } }, required: true },
      },
      responses: {
        200: rulesResponse('rules now live'),
        ...problemResponses(400, 401, 403, 409, 415),
      },
    }),
  ),
  async (c) => {
    const { rules } = c.req.valid('json');
    const set = await registry(c).replace(rules);
    c.get('log').warn('faults.replaced', { rules: set.rules.length, version: set.version });
    return c.json(present(set), 200);
  },
);

adminFaults.openapi(
  createRoute(
    withAccess('admin', {
      method: 'delete',
      path: PATH,
      summary: 'Clear every fault-injection rule, or those of one target (admin).',
      request: { query: z.object({ target: z.string().min(1).max(80).optional() }) },
      responses: { 200: rulesResponse('rules left'), ...problemResponses(400, 401, 403, 409) },
    }),
  ),
  async (c) => {
    const { target } = c.req.valid('query');
    const set = await registry(c).clear(target);
    c.get('log').warn('faults.cleared', { target: target ?? '*', version: set.version });
    return c.json(present(set), 200);
  },
);
