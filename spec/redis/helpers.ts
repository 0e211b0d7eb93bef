/**
 * What the Redis specs share: one private redis-server per spec file, clients that are closed after each test,
 * and child processes (forked, running TypeScript through tsx) that are killed after each test.
 */

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type RedisServer, startRedisServer } from '../../demos/support/redis-server';

const children = new Set<ChildProcess>();
const clients = new Set<Redis>();

/** Starts the spec file's redis-server before its tests and stops it after; flushes it before each test. */
export function useRedisServer(): { server: () => RedisServer; client: () => Redis } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await killChildren();
    await Promise.all([...clients].map((c) => c.quit().catch(() => c.disconnect())));
    clients.clear();
    if (server) {
      const admin = new Redis(server.port, server.host);
      await admin.flushall();
      await admin.quit();
    }
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    server: () => {
      if (!server) throw new Error('redis-server is not running');
      return server;
    },
    client: () => {
      if (!server) throw new Error('redis-server is not running');
      const client = new Redis(server.port, server.host);
      clients.add(client);
      return client;
    },
  };
}

/** A client that is closed after the test (for servers other than the file's own). */
export function track(client: Redis): Redis {
  clients.add(client);
  return client;
}

/** Forks `spec/redis/fixtures/<name>.ts` with `args`; killed after the test. */
export function forkFixture(name: string, args: string[]): ChildProcess {
  const file = fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
  const child = fork(file, args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The next IPC message from `child` that `accept` takes, within `timeoutMs`; rejects if it exits first. */
export function messageFrom<T = unknown>(
  child: ChildProcess,
  timeoutMs: number,
  accept: (message: T) => boolean = () => true,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no message from child ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: T): void => {
      if (!accept(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${code ?? signal}) before sending the expected message`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Resolves with the child's exit code (or signal name) within `timeoutMs`. */
export function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode ?? (child.signalCode as string));
      return;
    }
    const timer = setTimeout(
      () => reject(new Error(`child ${child.pid} still running after ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal as string));
    });
  });
}

/** Kills every child still running (SIGKILL) and waits for their exits. */
export async function killChildren(): Promise<void> {
  const running = [...children];
  children.clear();
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * Whether `attempt()` (a `tryAcquire`) succeeds within `ms`, trying again until it does. For an attempt right
 * after a release made through another client: the release travels on the holder's connection and the attempt
 * on its own, so Redis may take the attempt first, as it would for two processes.
 */
export async function succeedsSoon(attempt: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await attempt()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
