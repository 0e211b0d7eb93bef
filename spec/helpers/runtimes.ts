/**
 * The other runtimes the specs run the library on, each taken from the npm registry as the package that carries
 * its binary for this platform (no install script runs, nothing comes from anywhere else): Node 22 and 24
 * (`node-<os>-<cpu>`), Bun (`@oven/bun-<os>-<cpu>`) and Deno (`@deno/<os>-<cpu>`). They are installed once
 * into `node_modules/.cache/shared-sync-runtimes` by the global setup (`npm ci` starts that over, npm's own
 * cache makes it quick), not as devDependencies: the platform packages refuse other platforms and this registry
 * lacks some of them, so they would break `npm ci` on a fresh clone.
 */

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../docs/examples';

/** A runtime the portable suite (spec/runtimes/) runs under. */
export interface Runtime {
  /** What the specs and the reports call it. */
  id: 'node22' | 'node24' | 'bun' | 'deno';
  /** Its name for people. */
  label: string;
  /** The exact version installed. */
  version: string;
  /** The package that carries the binary for this platform. */
  package: string;
  /** The binary inside that package. */
  binary: string;
}

const OS: Record<string, string> = { linux: 'linux', darwin: 'darwin' };
const NODE_CPU: Record<string, string> = { x64: 'x64', arm64: 'arm64' };
const BUN_CPU: Record<string, string> = { x64: 'x64', arm64: 'aarch64' };

/** Bun's default x64 build needs AVX2; older CPUs need its baseline build (as Bun's own installer decides). */
function bunCpuSuffix(): string {
  if (process.arch !== 'x64' || process.platform !== 'linux') return '';
  try {
    return /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8')) ? '' : '-baseline';
  } catch {
    return '';
  }
}

function unsupported(): never {
  throw new Error(
    `npm test runs Node 22/24, Bun and Deno from their npm packages for linux and darwin on x64 and arm64; ` +
      `this is ${process.platform}-${process.arch}`,
  );
}

/** The runtimes for this platform, pinned. */
export function runtimes(): Runtime[] {
  const os = OS[process.platform];
  const nodeCpu = NODE_CPU[process.arch];
  const bunCpu = BUN_CPU[process.arch];
  if (!os || !nodeCpu || !bunCpu) unsupported();
  const denoPlatform = os === 'linux' ? `linux-${nodeCpu}-glibc` : `darwin-${nodeCpu}`;
  return [
    { id: 'node22', label: 'Node', version: '22.23.5', package: `node-${os}-${nodeCpu}`, binary: 'bin/node' },
    { id: 'node24', label: 'Node', version: '24.22.3', package: `node-${os}-${nodeCpu}`, binary: 'bin/node' },
    {
      id: 'bun',
      label: 'Bun',
      version: '1.4.5',
      package: `@oven/bun-${os}-${bunCpu}${bunCpuSuffix()}`,
      binary: 'bin/bun',
    },
    { id: 'deno', label: 'Deno', version: '2.9.6', package: `@deno/${denoPlatform}`, binary: 'deno' },
  ];
}

/** Where the runtimes are installed (each under an npm alias named after its id). */
export const RUNTIMES_DIR = join(root, 'node_modules/.cache/shared-sync-runtimes');

function installedVersion(runtime: Runtime): string | undefined {
  try {
    const pkg = JSON.parse(
      readFileSync(join(RUNTIMES_DIR, 'node_modules', runtime.id, 'package.json'), 'utf8'),
    );
    return pkg.name === runtime.package ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

function binaryOf(runtime: Runtime): string {
  return join(RUNTIMES_DIR, 'node_modules', runtime.id, runtime.binary);
}

/** The runtimes not yet installed at their pinned version. */
export function missingRuntimes(): Runtime[] {
  return runtimes().filter((r) => installedVersion(r) !== r.version || !existsSync(binaryOf(r)));
}

/** The path of a runtime's binary; throws when the global setup has not installed it. */
export function runtimePath(id: Runtime['id']): string {
  const runtime = runtimes().find((r) => r.id === id)!;
  if (installedVersion(runtime) !== runtime.version || !existsSync(binaryOf(runtime))) {
    throw new Error(
      `${runtime.label} ${runtime.version} (${runtime.package}) is not in ${RUNTIMES_DIR}: ` +
        `npm test installs it before the specs run (spec/helpers/provision.ts)`,
    );
  }
  return binaryOf(runtime);
}

/**
 * Installs `missing` from the npm registry with npm itself, scripts off (every binary is in its package), into
 * {@link RUNTIMES_DIR}. Rejects with npm's output when npm fails.
 */
export function installRuntimes(missing: readonly Runtime[], timeoutMs: number): Promise<void> {
  mkdirSync(RUNTIMES_DIR, { recursive: true });
  const specs = missing.map((r) => `${r.id}@npm:${r.package}@${r.version}`);
  const args = [
    'install',
    '--no-save',
    '--no-package-lock',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    '--prefix',
    RUNTIMES_DIR,
    ...specs,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      args,
      { cwd: RUNTIMES_DIR, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 2 ** 20 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`npm install ${specs.join(' ')} failed (${err.message}):\n${stdout}${stderr}`));
        } else {
          resolve();
        }
      },
    );
  });
}
