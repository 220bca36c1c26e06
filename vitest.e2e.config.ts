/**
 * End-to-end tests: they start the local system exactly as `npm run dev` does
 * (wrangler dev with every worker, migrations, seed) on its own port and state
 * directory, and drive it over HTTP as a client would.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
