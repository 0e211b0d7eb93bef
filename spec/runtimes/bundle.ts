/**
 * Bundles the portable suite (spec/runtimes/portable/) with the library into two self-contained ES modules,
 * `main.mjs` and `worker.mjs`, with tsup (the build of `npm run build`) and its settings: the same JavaScript
 * then runs under every runtime, which needs neither a TypeScript loader nor `node_modules` (Deno resolves
 * neither extensionless imports nor, outside a project, packages).
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'tsup';
import { root } from '../docs/examples';

/** Builds the suite into a fresh temporary directory and returns the path of its `main.mjs`. */
export async function bundlePortableSuite(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'shared-sync-portable-'));
  await build({
    config: false,
    entry: {
      main: join(root, 'spec/runtimes/portable/main.ts'),
      worker: join(root, 'spec/runtimes/portable/worker.ts'),
    },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    tsconfig: join(root, 'tsconfig.build.json'),
    noExternal: [/.*/], // async-mutex too: the bundle must not need node_modules
    splitting: false,
    outExtension: () => ({ js: '.mjs' }),
    esbuildOptions(options) {
      options.keepNames = true; // as tsup.config.ts: `Lock`, not `_Lock`, in messages
    },
    silent: true,
  });
  return join(outDir, 'main.mjs');
}
