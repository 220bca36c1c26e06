import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
// @ts-expect-error: plain ESM helper shared with `npm run dev`.
import { bootLocalSystem } from '../../scripts/local.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    adminApiKey: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const port = Number(process.env.E2E_PORT ?? 8790);
  const persistTo = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-e2e-'));
  const system = await bootLocalSystem({ port, persistTo, log: 'pipe' });
  project.provide('baseUrl', system.url);
  project.provide('adminApiKey', 'meridian-dev-admin-key');
  return () => {
    system.stop();
    fs.rmSync(persistTo, { recursive: true, force: true });
  };
}
