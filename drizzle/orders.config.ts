import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './workers/orders/src/schema.ts',
  out: './migrations/orders',
});
