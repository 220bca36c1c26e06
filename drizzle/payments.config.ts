import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './workers/payments/src/schema.ts',
  out: './migrations/payments',
});
