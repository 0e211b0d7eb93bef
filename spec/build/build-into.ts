// Builds every configuration of tsup.config.ts into the folder given as the first argument (without
// declarations, source maps or code splitting), for spec/build/names.spec.ts. Runs as a process of its own, so
// that the spec reads the files only once this process has ended, with every write tsup started finished.
import { build, type Options } from 'tsup';
import config from '../../tsup.config';

const outDir = process.argv[2];
if (!outDir) throw new Error('build-into: give the output folder');
for (const options of config as Options[]) {
  await build({
    ...options,
    outDir,
    dts: false,
    sourcemap: false,
    silent: true,
    clean: false,
    splitting: false,
  });
}
