// Why this exists: the npm registry this project installs from serves only
// some platform builds of biome and workerd (no darwin, windows, android or
// musl ones). `npm install` then leaves those optional packages out of
// package-lock.json, and `npm ci` refuses a lockfile that lacks them. This
// script records each missing optional platform package in the lockfile with
// its os/cpu, so `npm ci` sees a complete lockfile and skips them on Linux as
// it skips any package for another platform. Run it after changing deps:
//   npm install && node scripts/lockfile-platforms.mjs
import fs from 'node:fs';
import path from 'node:path';
import { root } from './workers.mjs';

const file = path.join(root, 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;

const PLATFORM =
  /(?<os>darwin|win32|windows|linux|android|freebsd)[-_]?(?<cpu>x64|arm64|64|arm|ia32)?(?<musl>-musl)?$/;
const osName = (os) => (os === 'windows' ? 'win32' : os);
const cpuName = (cpu) => (cpu === '64' || cpu === undefined ? 'x64' : cpu);

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location.endsWith(`node_modules/${name.split('/').pop()}`) ? location : '';
    const candidates = [`${base ? `${base}/` : ''}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((c) => packages[c])) continue;
    const match = PLATFORM.exec(name);
    if (!match?.groups) continue;
    packages[`node_modules/${name}`] = {
      version,
      dev: entry.dev ?? undefined,
      optional: true,
      os: [osName(match.groups.os)],
      cpu: [cpuName(match.groups.cpu)],
      ...(match.groups.musl ? { libc: ['musl'] } : {}),
    };
    added++;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`recorded ${added} optional platform packages the registry does not serve`);
