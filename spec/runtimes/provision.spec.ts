/**
 * `npm test` on a machine without the tools its specs drive: with the lookup pointed at an empty directory
 * (`SHARED_SYNC_TOOLS_DIR`), the global setup stops the run before any spec, with one message that names what to
 * install and how, and installs nothing.
 */

import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../docs/examples';
import { ProvisionError, provisionTools } from '../helpers/provision';
import {
  CHROMIUM,
  chromiumPath,
  findTool,
  MissingToolError,
  missingToolsMessage,
  REDIS_SERVER,
  redisServerPath,
  TOOLS_DIR_ENV,
} from '../helpers/tools';

const scratch = mkdtempSync(join(tmpdir(), 'shared-sync-tools-'));
const empty = join(scratch, 'empty');
mkdirSync(empty);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A directory holding a stand-in executable for each of `commands`. */
function dirWith(name: string, commands: string[], mode = 0o755): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (const command of commands) {
    writeFileSync(join(dir, command), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, command), mode);
  }
  return dir;
}

const EVERY_NAME = [
  'Chromium',
  'redis-server',
  'sudo apt-get install -y chromium redis-server',
  'brew install --cask chromium && brew install redis',
];

describe('the lookup of Chromium and redis-server', () => {
  it('finds nothing in an empty directory', () => {
    const env = { ...process.env, [TOOLS_DIR_ENV]: empty };
    expect(findTool(CHROMIUM, env)).toBeUndefined();
    expect(findTool(REDIS_SERVER, env)).toBeUndefined();
  });

  it('finds executables by their command names, and skips files that cannot be run', () => {
    const both = dirWith('both', ['chromium-browser', 'redis-server']);
    expect(findTool(CHROMIUM, { [TOOLS_DIR_ENV]: both })).toBe(join(both, 'chromium-browser'));
    expect(findTool(REDIS_SERVER, { [TOOLS_DIR_ENV]: both })).toBe(join(both, 'redis-server'));
    const plain = dirWith('plain', ['chromium', 'redis-server'], 0o644);
    expect(findTool(CHROMIUM, { [TOOLS_DIR_ENV]: plain })).toBeUndefined();
    expect(findTool(REDIS_SERVER, { [TOOLS_DIR_ENV]: plain })).toBeUndefined();
  });

  it('gives the specs the paths, or the message naming what to install', () => {
    const saved = process.env[TOOLS_DIR_ENV];
    try {
      process.env[TOOLS_DIR_ENV] = empty;
      expect(() => chromiumPath()).toThrow(MissingToolError);
      expect(() => chromiumPath()).toThrow('sudo apt-get install -y chromium (');
      expect(() => redisServerPath()).toThrow('brew install redis.');
      const tools = dirWith('tools', ['chromium', 'redis-server']);
      process.env[TOOLS_DIR_ENV] = tools;
      expect(chromiumPath()).toBe(join(tools, 'chromium'));
      expect(redisServerPath()).toBe(join(tools, 'redis-server'));
    } finally {
      if (saved === undefined) delete process.env[TOOLS_DIR_ENV];
      else process.env[TOOLS_DIR_ENV] = saved;
    }
  });
});

describe('the global setup on a machine without the tools', () => {
  it('rejects with one message naming both tools and how to install them, and installs nothing', async () => {
    const lines: string[] = [];
    const env = { ...process.env, [TOOLS_DIR_ENV]: empty };
    const error = await provisionTools(env, (line) => lines.push(line)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProvisionError);
    const message = (error as Error).message;
    for (const name of EVERY_NAME) expect(message).toContain(name);
    expect(message).toBe(missingToolsMessage([CHROMIUM, REDIS_SERVER], env));
    expect(lines).toEqual([]); // no "installing" line: nothing was installed
  });

  it('names only the tool that is missing', async () => {
    const env = { ...process.env, [TOOLS_DIR_ENV]: dirWith('redis-only', ['redis-server']) };
    const error = await provisionTools(env, () => {}).catch((err: unknown) => err);
    expect((error as Error).message).toContain('npm test needs Chromium (the browser specs), not found');
    expect((error as Error).message).toContain('sudo apt-get install -y chromium (');
    expect((error as Error).message).not.toContain('redis-server');
  });

  it('stops `vitest run` before any spec, printing only that message', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, [TOOLS_DIR_ENV]: empty, NO_COLOR: '1' };
    delete env.CI; // no JSON report from the inner run over the outer one's
    delete env.VITEST;
    delete env.VITEST_WORKER_ID;
    delete env.VITEST_POOL_ID;
    const vitest = join(root, 'node_modules/vitest/vitest.mjs');
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        process.execPath,
        [vitest, 'run', 'spec/Event.spec.ts'],
        { cwd: root, env, timeout: 60_000, killSignal: 'SIGKILL' },
        (err, out, errOut) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out, stderr: errOut }),
      );
    });
    expect(code, stdout + stderr).toBe(1);
    const message = missingToolsMessage([CHROMIUM, REDIS_SERVER], env);
    expect(stderr.split('\n').filter((line) => line === message)).toHaveLength(1);
    expect(stdout + stderr).not.toMatch(/Test Files|passed|failed|Unhandled/);
  }, 70_000);
});
