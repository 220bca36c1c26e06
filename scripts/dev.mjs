// `npm run dev`: the whole system on http://localhost:8787 with migrations
// applied and demo data seeded (idempotently). Ctrl-C stops it.
import path from 'node:path';
import { bootLocalSystem } from './local.mjs';
import { root } from './workers.mjs';

const port = Number(process.env.PORT ?? 8787);
const persistTo = path.join(root, '.wrangler', 'state');

const system = await bootLocalSystem({ port, persistTo });
console.log(
  `\nMeridian is up on http://localhost:${port}\n  try: curl http://localhost:${port}/v1/products\n`,
);

// Ctrl-C (or any SIGTERM/SIGHUP) stops wrangler and workerd: see local.mjs.
system.child.on('exit', (code) => process.exit(code ?? 0));
