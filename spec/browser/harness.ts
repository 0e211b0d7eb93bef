/**
 * What the browser specs need on the Node side: the package as it would be published (built by tsup with the
 * project's config, staged with its package.json in a temporary node_modules), an esbuild bundle of the spec
 * page resolved through that package's `exports`, Debian's Chromium through playwright-core, and pages opened
 * with every console error, uncaught exception and failed request collected.
 */

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { root } from '../docs/examples';

export { launchChromium, openPage, STEP_MS } from '../helpers/chromium';

/**
 * Builds the package with tsup (the project's tsup.config.ts, without declarations, which the browser does not
 * read) into `dir/node_modules/shared-sync/dist`, copies package.json beside it and links async-mutex, so that
 * `dir/node_modules` looks like an installed copy of the published package. Returns the package directory.
 */
export async function stagePackage(dir: string, timeoutMs: number): Promise<string> {
  const modules = join(dir, 'node_modules');
  const pkg = join(modules, 'shared-sync');
  mkdirSync(pkg, { recursive: true });
  const tsup = join(root, 'node_modules/tsup/dist/cli-default.js');
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [tsup, '--out-dir', join(pkg, 'dist'), '--no-dts'],
      { cwd: root, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 2 ** 20 },
      (err, stdout, stderr) => (err ? reject(new Error(`tsup failed:\n${stdout}${stderr}`)) : resolve()),
    );
  });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(root, 'node_modules/async-mutex'), join(modules, 'async-mutex'), 'dir');
  return pkg;
}

/**
 * Bundles `entries` (name → file in `sourceDir`) with esbuild for the browser into `dir/outName`, as a user's
 * project in `dir` would: the sources are copied into `dir` first, so that `shared-sync` resolves to the staged
 * package in `dir/node_modules` through its `exports` (from inside this repository, esbuild would resolve the
 * name to the repository itself, whose package.json is named shared-sync).
 */
export async function bundleForBrowser(
  sourceDir: string,
  entries: Record<string, string>,
  dir: string,
  outName: string,
): Promise<void> {
  const src = join(dir, 'src');
  cpSync(sourceDir, src, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(src, file)])),
    outdir: join(dir, outName),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
}
