/**
 * The published build keeps the real class names (`Lock`, not `_Lock`): users see them in logs, debuggers and
 * error output. Builds the package with the project's own tsup configuration into a temporary folder inside
 * node_modules/.cache (inside the project, so that the build's own dependencies resolve).
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let outDir: string;

beforeAll(() => {
  const cache = join(process.cwd(), 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  outDir = mkdtempSync(join(cache, 'shared-sync-build-'));
  // Every configuration of tsup.config.ts (the Node entries and the browsers' standalone file), into one folder,
  // in a process of its own: the files are read only after that process ended, so after every write tsup
  // started (read right after build() resolved, a CommonJS file was once still being written under load).
  execFileSync(process.execPath, ['--import', 'tsx', join('spec', 'build', 'build-into.ts'), outDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 110_000,
  });
}, 120_000);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

const CLASSES = ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Condition', 'Event', 'Barrier', 'Queue'];

describe('the built package', () => {
  it('keeps every class name in the ESM, the CommonJS and the standalone build', async () => {
    const esm = (await import(pathToFileURL(join(outDir, 'index.js')).href)) as Record<string, unknown>;
    const cjs = createRequire(import.meta.url)(join(outDir, 'index.cjs')) as Record<string, unknown>;
    const standalone = (await import(pathToFileURL(join(outDir, 'standalone.js')).href)) as Record<
      string,
      unknown
    >;
    for (const mod of [esm, cjs, standalone]) {
      for (const name of [...CLASSES, 'JoinableQueue', 'OwnerDiedError', 'DeadlockError']) {
        expect((mod[name] as { name: string }).name).toBe(name);
      }
      const Lock = mod.Lock as new () => object;
      const Queue = mod.Queue as new () => object;
      expect(inspect(new Lock())).toMatch(/^Lock \{/);
      expect(inspect(new Queue())).toMatch(/^Queue \{/);
    }
  });
});
