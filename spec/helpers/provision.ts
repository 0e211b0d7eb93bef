/**
 * Vitest's global setup: before any spec runs, `npm test` makes sure the machine has what the specs drive.
 *
 * - Chromium and `redis-server` (spec/helpers/tools.ts): when one is missing and this process is root on Debian,
 *   Debian's package is installed with apt-get, once, announced in one line; otherwise the run stops at once with
 *   one message naming what to install and how.
 * - Node 22 and 24, Bun and Deno (spec/helpers/runtimes.ts): installed from the npm registry into a cache
 *   directory, once, announced in one line.
 *
 * No spec skips for want of a tool: either the setup provides it, or no spec runs.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { installRuntimes, missingRuntimes } from './runtimes';
import { findTool, missingToolsMessage, TOOLS, TOOLS_DIR_ENV, type Tool } from './tools';

const APT_MS = 15 * 60_000;
const NPM_MS = 10 * 60_000;

/** Thrown when the setup cannot provide a tool; its message is the whole report (no stack is worth showing). */
export class ProvisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisionError';
    this.stack = `${this.name}: ${message}`;
  }
}

/** Whether this process may install Debian packages itself: root, on Debian (or a derivative), with apt-get. */
export function canInstallDebianPackages(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    !env[TOOLS_DIR_ENV] &&
    process.getuid?.() === 0 &&
    existsSync('/etc/debian_version') &&
    findApt() !== undefined
  );
}

function findApt(): string | undefined {
  return ['/usr/bin/apt-get', '/bin/apt-get'].find((p) => existsSync(p));
}

function run(file: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 2 ** 20,
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
      (err, stdout, stderr) => {
        if (err) {
          const output = `${stdout}${stderr}`.trim().split('\n').slice(-20).join('\n');
          reject(
            new ProvisionError(
              `${file} ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${output}`,
            ),
          );
        } else {
          resolve();
        }
      },
    );
  });
}

/** Installs the Debian packages of `missing` (apt-get update, then apt-get install -y). */
async function aptInstall(missing: readonly Tool[]): Promise<void> {
  const apt = findApt()!;
  // Another apt-get (an agent, unattended-upgrades) may hold the lock for a while: wait for it, within bounds.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  await run(apt, [...lock, 'update', '-qq'], APT_MS);
  await run(apt, [...lock, 'install', '-y', '-qq', ...missing.map((t) => t.debian)], APT_MS);
}

/**
 * Finds Chromium and `redis-server`, installing Debian's packages when allowed; rejects with
 * {@link missingToolsMessage}'s message when a tool is missing and cannot be installed here.
 */
export async function provisionTools(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.log,
  tools: readonly Tool[] = TOOLS,
): Promise<void> {
  let missing = tools.filter((t) => findTool(t, env) === undefined);
  if (missing.length === 0) return;
  if (!canInstallDebianPackages(env)) throw new ProvisionError(missingToolsMessage(missing, env));
  const packages = missing.map((t) => t.debian).join(' ');
  log(
    `npm test: installing Debian's ${packages} with apt-get (for ${missing.map((t) => t.neededBy).join(' and ')})`,
  );
  await aptInstall(missing);
  missing = tools.filter((t) => findTool(t, env) === undefined);
  if (missing.length > 0) throw new ProvisionError(missingToolsMessage(missing, env));
}

/** Installs the runtimes of the portable suite that are not in the cache yet. */
export async function provisionRuntimes(log: (line: string) => void = console.log): Promise<void> {
  const missing = missingRuntimes();
  if (missing.length === 0) return;
  log(
    `npm test: installing ${missing.map((r) => `${r.package}@${r.version}`).join(', ')} from the npm registry ` +
      `(the runtimes the specs run on)`,
  );
  await installRuntimes(missing, NPM_MS);
  const still = missingRuntimes();
  if (still.length > 0) {
    throw new ProvisionError(`npm installed no binary for ${still.map((r) => r.package).join(', ')}`);
  }
}

/**
 * Vitest's `globalSetup` entry. A {@link ProvisionError} ends the run here with its message alone: thrown on,
 * vitest would wrap it in an "Unhandled Error" banner after a misleading "No test files found".
 */
export default async function setup(): Promise<void> {
  try {
    await provisionTools();
    await provisionRuntimes();
  } catch (err) {
    if (!(err instanceof ProvisionError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
