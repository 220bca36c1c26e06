import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './workers/identity/src/directory-schema.ts',
  out: './migrations/identity-directory',
});
