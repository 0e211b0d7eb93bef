import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The core and `shared-sync/redis` (its own entry, so that the core never loads ioredis).
    entry: { index: 'lib/index.ts', 'redis/index': 'lib/redis/index.ts' },
    format: ['esm', 'cjs'],
    // One copy of the shared modules (errors above all) for both entries, in CommonJS too: an error thrown by
    // shared-sync/redis is an instance of the class exported by shared-sync.
    splitting: true,
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    tsconfig: 'tsconfig.build.json',
  },
  {
    // dist/standalone.js: one ES module with async-mutex inside, loaded by URL in browsers without a bundler,
    // where a module Worker cannot use the page's import map (see docs/getting-started.md, "In a browser").
    entry: { standalone: 'lib/index.ts' },
    format: ['esm'],
    platform: 'browser',
    noExternal: ['async-mutex'],
    sourcemap: true,
    target: 'es2022',
    tsconfig: 'tsconfig.build.json',
  },
]);
