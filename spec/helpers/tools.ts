/**
 * Where the specs find the programs they drive: Chromium (the browser specs and the site check) and
 * `redis-server` (the Redis specs). One lookup, used by the global setup (spec/helpers/provision.ts), which
 * installs what is missing before any spec runs, and by the specs themselves, which take the paths from here.
 *
 * Chromium: `CHROMIUM_PATH` if set, else Debian's `/usr/bin/chromium`, macOS's `/Applications/Chromium.app`, or
 * `chromium` / `chromium-browser` on `PATH`. `redis-server`: on `PATH`.
 *
 * `SHARED_SYNC_TOOLS_DIR=<dir>` replaces all of that with one directory (and turns installing off, since a
 * package manager would not install into it): pointed at an empty directory, it shows what a machine without the
 * tools gets (spec/provision.spec.ts).
 */

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The environment variable that points every lookup at one directory (for the missing-tool spec). */
export const TOOLS_DIR_ENV = 'SHARED_SYNC_TOOLS_DIR';

/** A program the specs need, where it is looked for and how a person installs it. */
export interface Tool {
  /** What the specs call it. */
  name: string;
  /** Which specs need it. */
  neededBy: string;
  /** Debian's package. */
  debian: string;
  /** Homebrew's command. */
  macos: string;
  /** Executable names searched on `PATH`. */
  commands: string[];
  /** Absolute paths tried first. */
  paths: string[];
}

export const CHROMIUM: Tool = {
  name: 'Chromium',
  neededBy: 'the browser specs',
  debian: 'chromium',
  macos: 'brew install --cask chromium',
  commands: ['chromium', 'chromium-browser'],
  paths: ['/usr/bin/chromium', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
};

export const REDIS_SERVER: Tool = {
  name: 'redis-server',
  neededBy: 'the Redis specs',
  debian: 'redis-server',
  macos: 'brew install redis',
  commands: ['redis-server'],
  paths: [],
};

/** Every tool `npm test` needs, in the order they are reported. */
export const TOOLS: readonly Tool[] = [CHROMIUM, REDIS_SERVER];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The directories searched for commands: `SHARED_SYNC_TOOLS_DIR` alone when set, else `PATH`. */
function searchDirs(env: NodeJS.ProcessEnv): string[] {
  const only = env[TOOLS_DIR_ENV];
  if (only) return [only];
  return (env.PATH ?? '').split(delimiter).filter(Boolean);
}

/** Where `tool` is on this machine, or `undefined`. */
export function findTool(tool: Tool, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!env[TOOLS_DIR_ENV]) {
    const explicit = tool === CHROMIUM ? env.CHROMIUM_PATH : undefined;
    if (explicit) return isExecutable(explicit) ? explicit : undefined;
    const known = tool.paths.find(isExecutable);
    if (known) return known;
  }
  for (const dir of searchDirs(env)) {
    for (const command of tool.commands) {
      const path = join(dir, command);
      if (isExecutable(path)) return path;
    }
  }
  return undefined;
}

/** The one message for a machine that lacks `missing`: what to install, and how, on Debian and on macOS. */
export function missingToolsMessage(missing: readonly Tool[], env: NodeJS.ProcessEnv = process.env): string {
  const names = missing.map((t) => `${t.name} (${t.neededBy})`).join(' and ');
  const debian = `sudo apt-get install -y ${missing.map((t) => t.debian).join(' ')}`;
  const macos = missing.map((t) => t.macos).join(' && ');
  const where = env[TOOLS_DIR_ENV]
    ? `${TOOLS_DIR_ENV}=${env[TOOLS_DIR_ENV]}`
    : missing.includes(CHROMIUM)
      ? 'CHROMIUM_PATH, /usr/bin/chromium, /Applications/Chromium.app and PATH'
      : 'PATH';
  return (
    `npm test needs ${names}, not found in ${where}. Install ${missing.length > 1 ? 'them' : 'it'} once: ` +
    `Debian/Ubuntu: ${debian} (npm test run as root on Debian does this itself); macOS: ${macos}.`
  );
}

/** Thrown when a spec asks for a tool that is not there (the global setup normally stops the run before). */
export class MissingToolError extends Error {
  constructor(readonly missing: readonly Tool[]) {
    super(missingToolsMessage(missing));
    this.name = 'MissingToolError';
  }
}

function required(tool: Tool): string {
  const path = findTool(tool);
  if (path === undefined) throw new MissingToolError([tool]);
  return path;
}

/** The Chromium executable for playwright-core's `executablePath`. */
export function chromiumPath(): string {
  return required(CHROMIUM);
}

/** The `redis-server` executable the Redis specs start on a free port. */
export function redisServerPath(): string {
  return required(REDIS_SERVER);
}
