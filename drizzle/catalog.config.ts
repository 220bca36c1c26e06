import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './workers/catalog/src/schema.ts',
  out: './migrations/catalog',
});
