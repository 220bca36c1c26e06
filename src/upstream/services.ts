/** The services behind the gateway, by name, as typed RPC stubs. */
import type { HealthReport } from '@common/rpc';

export const SERVICE_NAMES = [
  'identity',
  'catalog',
  'inventory',
  'payments',
  'orders',
  'notifications',
  'carts',
  'preferences',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function healthCheckers(env: GatewayEnv): Record<ServiceName, () => Promise<HealthReport>> {
  return {
    identity: () => env.IDENTITY.health(),
    catalog: () => env.CATALOG.health(),
    inventory: () => env.INVENTORY.health(),
    payments: () => env.PAYMENTS.health(),
    orders: () => env.ORDERS.health(),
    notifications: () => env.NOTIFICATIONS.health(),
    carts: () => env.CARTS.health(),
    preferences: () => env.PREFERENCES.health(),
  };
}
