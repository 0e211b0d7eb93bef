/**
 * The portable suite (spec/runtimes/portable/) under every runtime users run: this Node, Node 22 and 24, Bun and
 * Deno, each its own binary from the npm registry (installed by the global setup, spec/helpers/provision.ts).
 * The suite is bundled once with the library (spec/runtimes/bundle.ts) and run as a child process; a runtime
 * passes when it ran every case of cases.ts and none failed.
 */

import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, runtimePath, runtimes } from '../helpers/runtimes';
import { bundlePortableSuite } from './bundle';
import { cases } from './portable/cases';

const RUN_MS = 120_000;

interface Report {
  runtime: string;
  results: { name: string; ms: number; error?: string }[];
}

/** How to run a bundled ES module under each runtime. */
function command(id: Runtime['id'] | 'this-node', main: string): [string, string[]] {
  if (id === 'this-node') return [process.execPath, [main]];
  // Deno: only the permission the suite needs, reading the worker's file (what users must grant too).
  if (id === 'deno')
    return [runtimePath('deno'), ['run', '--no-prompt', `--allow-read=${dirname(main)}`, main]];
  return [runtimePath(id), [main]];
}

function runSuite(
  file: string,
  args: string[],
): Promise<{ code: number | null; output: string; report?: Report }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: RUN_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 2 ** 20,
        // No update checks or crash uploads: nothing may reach out beyond the registries.
        env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1', NODE_OPTIONS: '' },
      },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        resolve({
          code: typeof code === 'number' ? code : null,
          output: `${stdout}${stderr}`,
          report: line ? (JSON.parse(line.slice('RESULT '.length)) as Report) : undefined,
        });
      },
    );
  });
}

let main: string;

beforeAll(async () => {
  main = await bundlePortableSuite();
}, 120_000);

afterAll(() => {
  if (main) rmSync(dirname(main), { recursive: true, force: true });
});

const targets: { id: Runtime['id'] | 'this-node'; name: string }[] = [
  { id: 'this-node', name: `Node ${process.versions.node} (this one)` },
  ...runtimes().map((r) => ({ id: r.id, name: `${r.label} ${r.version}` })),
];

describe('the portable suite', () => {
  for (const { id, name } of targets) {
    it(
      `passes every case under ${name}`,
      async () => {
        const [file, args] = command(id, main);
        const { code, output, report } = await runSuite(file, args);
        expect(report, `no RESULT line from ${name}:\n${output}`).toBeDefined();
        expect(report!.runtime).toBe(name.replace(' (this one)', ''));
        const failed = report!.results.filter((r) => r.error !== undefined);
        expect(failed, output).toEqual([]);
        expect(report!.results.map((r) => r.name)).toEqual(cases.map((c) => c.name));
        expect(code, output).toBe(0);
      },
      RUN_MS + 10_000,
    );
  }
});
