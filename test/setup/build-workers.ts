// Auxiliary workers load bundles, so build every worker before any project starts.
// @ts-expect-error: plain ESM helper shared with the dev server and bench.
import { buildWorkers } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildWorkers();
}
