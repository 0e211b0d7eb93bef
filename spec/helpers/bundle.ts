/**
 * The library bundled into one plain `.mjs` file, for specs and benchmarks that start hundreds of short-lived
 * workers: a worker started on a `.ts` entry registers tsx and transpiles its imports first (hundreds of ms on
 * a loaded 2-core machine), while an eval worker that imports the bundle starts in a few tens of ms.
 *
 * The bundled copy is a second instance of the library's modules, which is what a real program gets when its
 * workers load the built package: primitives are rebuilt from their clones by kind tag, and the thread
 * registry is reached through Node's environment data and a `Symbol.for` key (`lib/internal/registry.ts`), so
 * both instances see the same locks and the same deaths.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { build } from 'esbuild';

/** A bundle of `lib/index.ts` in a temporary directory. */
export interface LibraryBundle {
  /** The bundle's file URL, for `import()`. */
  readonly url: string;
  /**
   * Starts an eval worker that runs `body` (plain JavaScript, the body of an async function) with `lib` (the
   * bundle's exports), `workerData`, `parentPort` and `threadId` in scope.
   */
  worker(body: string, options?: WorkerOptions): Worker;
  /** Deletes the temporary directory. */
  remove(): void;
}

/** Bundles `lib/index.ts` (with its dependencies) into a temporary `.mjs` file. */
export async function bundleLibrary(): Promise<LibraryBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'shared-sync-bundle-'));
  const file = join(dir, 'shared-sync.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../../lib/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: file,
    logLevel: 'silent',
  });
  const url = pathToFileURL(file).href;
  return {
    url,
    worker(body, options = {}) {
      const source =
        `Promise.all([import(${JSON.stringify(url)}), import('node:worker_threads')])` +
        `.then(async ([lib, { workerData, parentPort, threadId }]) => { ${body} })` +
        '.catch((err) => { process.nextTick(() => { throw err; }); });';
      return new Worker(source, { ...options, eval: true });
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
