import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './workers/notifications/src/schema.ts',
  out: './migrations/notifications',
});
