/**
 * Runtime flags (admin): `GET` lists every declared flag with the state in
 * force, `PUT /{name}` stores an override, `DELETE /{name}` resets the flag to
 * its default. Reads and writes go to the flag store itself (strongly
 * consistent); isolates pick a change up within FLAGS_CACHE_MS (≤ 4 s), and
 * the isolate that made it at once. An undeclared name is a 404.
 */
import {
  FLAG_NAMES,
  FLAG_STORE_INSTANCE,
  FLAGS,
  type FlagName,
  type FlagSet,
  type FlagState,
  flagsFor,
  isFlagName,
} from '@common/flags';
import { problem } from '@common/problem';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { withAccess } from '../auth/access';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { FlagListSchema, FlagParams, FlagSchema, PutFlagSchema } from './schema';

export const adminFlags = new OpenAPIHono<GatewayBindings>();

const PATH = '/v1/admin/flags';

const store = (c: Context<GatewayBindings>) => c.env.FLAG_STORE.getByName(FLAG_STORE_INSTANCE);

/** The API view of `name` in `set`. */
function view(set: FlagSet, name: FlagName) {
  const definition = FLAGS[name];
  const stored = set.flags[name];
  const state: FlagState = stored ?? definition.default;
  return {
    name,
    enabled: state.enabled,
    ...(state.percentage === undefined ? {} : { percentage: state.percentage }),
    ...(state.regions === undefined ? {} : { regions: state.regions }),
    description: definition.description,
    region: definition.region,
    source: stored ? ('override' as const) : ('default' as const),
    default: definition.default,
    ...(stored
      ? { updatedAt: new Date(stored.updatedAt).toISOString(), updatedBy: stored.updatedBy }
      : {}),
  };
}

/** This isolate adopts the set it just read or wrote, so its next request obeys it. */
function adopt(c: Context<GatewayBindings>, set: FlagSet): FlagSet {
  flagsFor(c.env).adopt(set);
  return set;
}

/** 404 for a name that common/flags.ts does not declare (after the access guard). */
function knownFlag(): MiddlewareHandler<GatewayBindings> {
  return async function knownFlagMiddleware(c, next) {
    const name = c.req.param('name') ?? '';
    if (!isFlagName(name)) {
      throw problem(404, 'flag_unknown', `no flag "${name}"; flags: ${FLAG_NAMES.join(', ')}`);
    }
    await next();
  };
}

function flagName(c: Context<GatewayBindings>): FlagName {
  const name = c.req.param('name') ?? '';
  if (!isFlagName(name)) throw problem(404, 'flag_unknown', `no flag "${name}"`);
  return name;
}

const flagResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: FlagSchema } },
});

adminFlags.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: PATH,
      summary: 'Every runtime flag with the state in force (admin; read at the flag store).',
      responses: {
        200: {
          description: 'the flags',
          content: { 'application/json': { schema: FlagListSchema } },
        },
        ...problemResponses(401, 403),
      },
    }),
  ),
  async (c) => {
    const set = adopt(c, await store(c).list());
    return c.json({ flags: FLAG_NAMES.map((name) => view(set, name)) }, 200);
  },
);

adminFlags.openapi(
  createRoute(
    withAccess('admin', {
      method: 'put',
      path: `${PATH}/{name}`,
      middleware: [knownFlag()],
      summary:
        'Set a runtime flag (admin): in force everywhere within 5 s, no deploy. Unknown name: 404.',
      request: {
        params: FlagParams,
        body: { content: { 'application/json': { schema: PutFlagSchema } }, required: true },
      },
      responses: {
        200: flagResponse('the flag as now stored'),
        ...problemResponses(400, 401, 403, 404, 415),
      },
    }),
  ),
  async (c) => {
    const name = flagName(c);
    const { name: bodyName, ...state } = c.req.valid('json');
    if (bodyName !== undefined && bodyName !== name) {
      throw problem(400, 'flag_name_mismatch', `the body names "${bodyName}", the path "${name}"`, {
        errors: [{ path: 'name', message: `must be "${name}" or absent` }],
      });
    }
    const by = principalOf(c).id;
    const set = adopt(c, await store(c).set(name, state, by));
    c.get('log').warn('flags.changed', { flag: name, ...state, by, flagsVersion: set.version });
    return c.json(view(set, name), 200);
  },
);

adminFlags.openapi(
  createRoute(
    withAccess('admin', {
      method: 'delete',
      path: `${PATH}/{name}`,
      middleware: [knownFlag()],
      summary: 'Reset a runtime flag to its default (admin). Unknown name: 404.',
      request: { params: FlagParams },
      responses: {
        200: flagResponse('the flag, back at its default'),
        ...problemResponses(401, 403, 404),
      },
    }),
  ),
  async (c) => {
    const name = flagName(c);
    const set = adopt(c, await store(c).reset(name));
    c.get('log').warn('flags.reset', {
      flag: name,
      by: principalOf(c).id,
      flagsVersion: set.version,
    });
    return c.json(view(set, name), 200);
  },
);
