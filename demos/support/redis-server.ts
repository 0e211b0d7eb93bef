/**
 * Starts a private `redis-server` (Debian's package) for the Redis specs, demo and benchmark: on a free port of
 * 127.0.0.1, persistence off, stopped by `stop()`. Without `redis-server` on the PATH it throws (the specs fail,
 * they never skip).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/** A running server. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts `redis-server` and resolves once it answers PING (within `timeoutMs`). */
export async function startRedisServer({ timeoutMs = 10_000 } = {}): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const deadline = Date.now() + timeoutMs;
    let up = false;
    while (!up && Date.now() < deadline && child.exitCode === null) {
      const failed = await Promise.race([
        spawnError,
        new Promise<null>((r) => setTimeout(() => r(null), 50)),
      ]);
      if (failed) {
        throw new Error(
          `redis-server could not be started (${failed.message}); install it: apt-get install -y redis-server`,
        );
      }
      up = await ping(port);
    }
    if (up) {
      return {
        host: '127.0.0.1',
        port,
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          const gone = exited(child);
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
          await gone;
          clearTimeout(timer);
        },
      };
    }
    child.kill('SIGKILL');
    await exited(child);
    // Another process may have taken the port between freePort() and the bind: try another one.
    if (attempt >= 2 || !/Address already in use/.test(output)) {
      throw new Error(`redis-server did not start on port ${port} within ${timeoutMs} ms:\n${output}`);
    }
  }
}
