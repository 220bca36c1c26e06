import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './workers/identity/src/schema.ts',
  out: './migrations/identity',
});
