/**
 * Operator routes (admin): every region's orders, the order sagas, and the
 * dead letters of every queue.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { GatewayBindings } from '../context';
import { adminDeadLetters } from './dead-letters';
import { adminOrders } from './orders';
import { adminSagas } from './sagas';

export const operations = new OpenAPIHono<GatewayBindings>();
operations.route('/', adminOrders);
operations.route('/', adminDeadLetters);
operations.route('/', adminSagas);
