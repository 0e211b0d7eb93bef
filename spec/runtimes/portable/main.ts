/**
 * Runs the portable suite (cases.ts) in whatever runtime executes this file, once bundled with worker.ts
 * (spec/runtimes/bundle.ts): `node main.mjs`, `bun main.mjs`, `deno run -A main.mjs`. Prints one line per case
 * and, last, one `RESULT {json}` line; exits 1 when a case failed.
 */

import { Worker } from 'node:worker_threads';
import { type Case, cases } from './cases';
import type { Role } from './shared';

const CASE_MS = 30_000;

declare const Bun: { version: string } | undefined;
declare const Deno: { version: { deno: string } } | undefined;

/** The runtime running this file, as `name version`. */
function runtime(): string {
  if (typeof Bun !== 'undefined') return `Bun ${Bun.version}`;
  if (typeof Deno !== 'undefined') return `Deno ${Deno.version.deno}`;
  return `Node ${process.versions.node}`;
}

async function runCase(c: Case): Promise<string | undefined> {
  const workers: Worker[] = [];
  const spawn = (role: Role, data: Record<string, unknown>): Worker => {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { role, ...data } });
    workers.push(worker);
    return worker;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      c.run({ spawn }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the case took longer than ${CASE_MS} ms`)), CASE_MS);
      }),
    ]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

const results: { name: string; ms: number; error?: string }[] = [];
for (const c of cases) {
  const start = performance.now();
  const error = await runCase(c);
  const ms = Math.round(performance.now() - start);
  results.push(error === undefined ? { name: c.name, ms } : { name: c.name, ms, error });
  console.log(
    `${error === undefined ? 'ok  ' : 'FAIL'} ${c.name} (${ms} ms)${error ? `\n     ${error}` : ''}`,
  );
}
console.log(`RESULT ${JSON.stringify({ runtime: runtime(), results })}`);
process.exit(results.some((r) => r.error !== undefined) ? 1 : 0);
