import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['lib/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  // Class names users see in logs, debuggers and errors: `Lock`, not esbuild's renamed `_Lock`.
  esbuildOptions(options) {
    options.keepNames = true;
  },
});
