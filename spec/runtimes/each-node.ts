/**
 * `npm run test:node-lines`: the whole suite again under Node 22 and Node 24 (or the lines named on the command
 * line, e.g. `npm run test:node-lines -- 24`; other arguments go to vitest, e.g. a spec file), each with its own binary from the npm registry (installed first if
 * needed, as `npm test` does). That binary runs vitest, and comes first on `PATH`, so that what the specs start
 * (workers, `tsx`, typedoc) runs on it too. In CI each line writes its own JSON report,
 * `test-results-node<line>.json`, beside `npm test`'s `test-results.json`. Exits 1 when a line failed.
 */

import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { root } from '../docs/examples';
import { ProvisionError, provisionRuntimes } from '../helpers/provision';
import { type Runtime, runtimePath, runtimes } from '../helpers/runtimes';

const LINES = ['22', '24'];

const args = process.argv.slice(2);
const wanted = args.filter((a) => /^\d+$/.test(a));
const vitestArgs = args.filter((a) => !/^\d+$/.test(a));
for (const line of wanted) {
  if (!LINES.includes(line)) {
    console.error(`test:node-lines: a Node line is one of ${LINES.join(', ')}, got ${line}`);
    process.exit(2);
  }
}

try {
  await provisionRuntimes();
} catch (err) {
  if (!(err instanceof ProvisionError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const failed: string[] = [];
for (const line of wanted.length > 0 ? wanted : LINES) {
  const runtime = runtimes().find((r) => r.id === `node${line}`) as Runtime;
  const node = runtimePath(runtime.id);
  console.log(`\n== the whole suite on Node ${runtime.version} (${runtime.package})`);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [dirname(node), process.env.PATH].join(delimiter) };
  if (process.env.CI) env.SHARED_SYNC_RESULTS = `test-results-node${line}.json`;
  const { status, error } = spawnSync(
    node,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...vitestArgs],
    {
      cwd: root,
      env,
      stdio: 'inherit',
    },
  );
  if (error || status !== 0)
    failed.push(`Node ${runtime.version} (${error?.message ?? `exit code ${status}`})`);
}
if (failed.length > 0) {
  console.error(`\ntest:node-lines: the suite failed on ${failed.join(', ')}`);
  process.exit(1);
}
