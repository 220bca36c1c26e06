// The floors (./goals.mjs, bench-worker.js): measured by run.mjs right
// before and right after each group of results that are ratios to them.
import { FLOORS } from '../goals.mjs';
import { httpOutcome, measure, request } from '../harness.mjs';

export async function measureFloor(system, id, options) {
  const floor = FLOORS[id];
  if (!floor) throw new Error(`no floor ${id}`);
  const op = async () =>
    httpOutcome(await request(system.bench, floor.path, { method: floor.method }));
  return measure(id, op, options);
}
