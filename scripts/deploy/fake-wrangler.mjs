#!/usr/bin/env node
// A stand-in for `wrangler` in the deploy tests: put on PATH as `wrangler`, it
// records every call (FAKE_WRANGLER_DIR/calls.jsonl) and answers as the real
// one would, from FAKE_WRANGLER_DIR/scenario.json:
//   { "failUpload": "<worker>", "failDeploy": "<worker>@<percent>", "split": "<worker>" }
// Worker names come from the -c path (workers/<name>/wrangler.toml; the root
// wrangler.toml is the gateway). Version ids: old-<name>, new-<name>.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.FAKE_WRANGLER_DIR ?? '.';
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, 'calls.jsonl'), `${JSON.stringify(args)}\n`);
const scenarioFile = path.join(dir, 'scenario.json');
const scenario = fs.existsSync(scenarioFile)
  ? JSON.parse(fs.readFileSync(scenarioFile, 'utf8'))
  : {};

const config = args[args.indexOf('-c') + 1] ?? 'wrangler.toml';
const worker = path.dirname(config) === '.' ? 'gateway' : path.basename(path.dirname(config));
const command = args.slice(0, 2).join(' ');

if (command === 'deployments status') {
  const versions =
    scenario.split === worker
      ? [
          { version_id: `new-${worker}`, percentage: 10 },
          { version_id: `old-${worker}`, percentage: 90 },
        ]
      : [{ version_id: `old-${worker}`, percentage: 100 }];
  console.log(JSON.stringify({ id: `dep-${worker}`, versions }, null, 2));
} else if (command === 'versions upload') {
  if (scenario.failUpload === worker) {
    console.error('✘ [ERROR] A request to the Cloudflare API failed: upload refused');
    process.exit(1);
  }
  const versionId = `new-${worker}`;
  console.log(`Uploaded meridian-${worker} (1.00 sec)\nWorker Version ID: ${versionId}`);
  const output = process.env.WRANGLER_OUTPUT_FILE_PATH;
  if (output) {
    const entry = {
      type: 'version-upload',
      version: 1,
      worker_name: worker,
      version_id: versionId,
    };
    fs.appendFileSync(output, `${JSON.stringify(entry)}\n`);
  }
} else if (command === 'versions deploy') {
  const percent = /@(\d+)%$/.exec(args[2] ?? '')?.[1];
  if (scenario.failDeploy === `${worker}@${percent}`) {
    console.error('✘ [ERROR] deployment refused');
    process.exit(1);
  }
  console.log(`SUCCESS  Deployed meridian-${worker} version ${args[2]}`);
} else {
  console.error(`fake wrangler: unexpected command ${args.join(' ')}`);
  process.exit(3);
}
