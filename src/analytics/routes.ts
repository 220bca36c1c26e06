/**
 * `GET /v1/admin/analytics` (admin): the tumbling one-minute or sliding
 * five-minute window of every region (or one), from each region's
 * aggregator in the analytics worker. Regions are asked at once with their
 * own deadline, like every cross-region operator read: a region that does
 * not answer is missing from `regions`, `partial` is true and
 * `regionStatus` says why.
 */
import {
  ANALYTICS_WINDOWS,
  MINUTE_MS,
  RegionAnalyticsSchema,
  TOP_SKUS_DEFAULT,
  TOP_SKUS_MAX,
  windowMinutes,
} from '@common/contracts/analytics';
import { RegionSchema } from '@common/contracts/region';
import { REGIONS } from '@common/regions';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { RegionOutcomeSchema, regionTimeout, scatterGather } from '../admin/scatter';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';

/** How far back `at` may look (the analytics worker keeps at most a day) and ahead (clock skew). */
const AT_PAST_MS_MAX = 24 * 60 * MINUTE_MS;
const AT_FUTURE_MS_MAX = MINUTE_MS;

const QuerySchema = z.object({
  window: z
    .enum(ANALYTICS_WINDOWS)
    .default('1m')
    .describe(
      '1m: the tumbling minute of `at`; 5m: that minute and the four before it (sliding); 15m and 60m likewise, for plots (`minutes`)',
    ),
  region: RegionSchema.optional().describe('one region; absent: every region'),
  at: z.iso
    .datetime({ offset: true })
    .refine((value) => {
      const at = Date.parse(value);
      return at >= Date.now() - AT_PAST_MS_MAX && at <= Date.now() + AT_FUTURE_MS_MAX;
    }, 'at must lie within the last 24 hours and at most a minute ahead')
    .optional()
    .describe('a moment in the window’s last minute (default now); buckets are kept for an hour'),
  top: z.coerce.number().int().min(0).max(TOP_SKUS_MAX).default(TOP_SKUS_DEFAULT),
});

const AnalyticsSchema = z.object({
  window: z.enum(ANALYTICS_WINDOWS),
  from: z.string().describe('start of the window (inclusive), ISO 8601 UTC'),
  to: z.string().describe('end of the window (exclusive); later than asOf while its minute runs'),
  asOf: z.string().describe('when the gateway asked'),
  regions: z.partialRecord(RegionSchema, RegionAnalyticsSchema),
  partial: z.boolean(),
  regionStatus: z.partialRecord(RegionSchema, RegionOutcomeSchema),
});

export const analytics = new OpenAPIHono<GatewayBindings>();

analytics.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/analytics',
      summary:
        'Orders, revenue, top SKUs, saga latency p50/p99 and failure rate per region, by event time (admin). Eventual: events reach the windows through a queue within seconds.',
      request: { query: QuerySchema },
      responses: {
        200: {
          description: 'the window of each region that answered',
          content: { 'application/json': { schema: AnalyticsSchema } },
        },
        ...problemResponses(400, 401, 403),
      },
    }),
  ),
  async (c) => {
    const query = c.req.valid('query');
    const now = Date.now();
    const at = query.at === undefined ? now : Date.parse(query.at);
    const gathered = await scatterGather(
      (region) => c.env.ANALYTICS.window(region, query.window, at, query.top),
      {
        timeout_ms: regionTimeout(c.env),
        regions: query.region ? [query.region] : REGIONS,
        log: c.get('log'),
      },
    );
    const minutes = windowMinutes(query.window, at);
    return c.json(
      {
        window: query.window,
        from: new Date(minutes[0] ?? at).toISOString(),
        to: new Date((minutes[minutes.length - 1] ?? at) + MINUTE_MS).toISOString(),
        asOf: new Date(now).toISOString(),
        regions: gathered.results,
        partial: gathered.partial,
        regionStatus: gathered.regions,
      },
      200,
    );
  },
);
