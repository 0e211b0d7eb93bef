/**
 * What every Redis primitive shares: the client type, the readiness guard that turns an unreachable Redis into
 * {@link RedisUnavailableError} instead of a hang, Lua scripts run by their SHA-1, and the check that a key
 * holds the kind of primitive asked for.
 *
 * ## Keys
 * A primitive named `key` owns the hash `key` (its *meta*: `kind`, its parameters, its small state) and, where
 * it needs more, keys named `key:…` (a queue's items are the list `key:items`). redis-semaphore's own keys are
 * `mutex:key` and `semaphore:key`. Changes are announced on the pub/sub channel `shared-sync:key`, which is
 * what waiters listen to (see `waker.ts`).
 *
 * @internal
 * @module
 */

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisKeyConflictError, RedisUnavailableError, TimeoutError } from '../errors';
import { remaining } from '../internal/wait';

/** Options every Redis primitive takes. */
export interface RedisPrimitiveOptions {
  /**
   * Milliseconds a call without a timeout waits for an unreachable (connecting, reconnecting) Redis before it
   * rejects with {@link RedisUnavailableError}. A call with a timeout waits at most its timeout.
   * @defaultValue 5000
   */
  unreachableTimeout?: number;
}

/**
 * `OwnerDiedError.threadId` of a death reported across processes: there is no thread id (-1, what Node's
 * `worker.threadId` reads after a worker's exit); the message names the lease or the consumer that died.
 */
export const NO_THREAD = -1;

/** The default of {@link RedisPrimitiveOptions.unreachableTimeout}. */
export const UNREACHABLE_TIMEOUT = 5000;

/** The pub/sub channel on which changes of the primitive at `key` are announced. */
export function channelOf(key: string): string {
  return `shared-sync:${key}`;
}

/** Checks the constructor's `(redis, key)` pair. */
export function checkClientAndKey(redis: unknown, key: unknown, api: string): void {
  if (
    typeof redis !== 'object' ||
    redis === null ||
    typeof (redis as Redis).evalsha !== 'function' ||
    typeof (redis as Redis).duplicate !== 'function'
  ) {
    throw new TypeError(`${api}: redis must be an ioredis client (new Redis(...)), got ${describe(redis)}`);
  }
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`${api}: key must be a non-empty string, got ${describe(key)}`);
  }
}

/** Reads `unreachableTimeout` from the options. */
export function unreachableTimeoutOf(options: RedisPrimitiveOptions | undefined, api: string): number {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${api}: options must be an object, got ${describe(options)}`);
  }
  const value = options?.unreachableTimeout ?? UNREACHABLE_TIMEOUT;
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new RangeError(
      `${api}: unreachableTimeout must be a non-negative number of milliseconds, got ${describe(value)}`,
    );
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** How long any call waits, at least, for a client that is still connecting before it calls Redis unreachable. */
const CONNECT_GRACE_MS = 200;

/**
 * Resolves once `redis` can take a command now, or rejects with {@link RedisUnavailableError} by `deadline`
 * (or after `unreachable` ms when the deadline is further). A client that was never connected (`wait`, lazy)
 * is fine: its first command connects it.
 */
export function whenReady(redis: Redis, deadline: number, unreachable: number, api: string): Promise<void> {
  const status = redis.status;
  if (status === 'ready' || status === 'wait') return Promise.resolve();
  if (status === 'end' || status === 'close') {
    return Promise.reject(
      new RedisUnavailableError(`${api}: Redis is unreachable (the client's connection is ${status})`),
    );
  }
  // A short timeout (0: "don't wait for the queue") still lets a client that is connecting right now finish
  // connecting: a fresh client on a reachable Redis is not an unreachable one.
  const ms = Math.min(Math.max(remaining(deadline), CONNECT_GRACE_MS), unreachable);
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    };
    const onReady = (): void => {
      done();
      resolve();
    };
    const onEnd = (): void => {
      done();
      reject(new RedisUnavailableError(`${api}: Redis is unreachable (the client's connection ended)`));
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new RedisUnavailableError(
          `${api}: Redis is unreachable (the client is ${redis.status} after ${Math.round(ms)} ms)`,
        ),
      );
    }, ms);
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}

/** Turns a client error (connection closed, retries exhausted…) into {@link RedisUnavailableError}. */
export function asUnavailable(err: unknown, api: string): unknown {
  if (!(err instanceof Error)) return err;
  if (err.name === 'ReplyError') return err; // Redis answered: a real error, not an unreachable server
  if (
    err.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|Stream isn't writeable|enableOfflineQueue/i.test(
      err.message,
    )
  ) {
    return new RedisUnavailableError(`${api}: Redis is unreachable (${err.message})`, { cause: err });
  }
  return err;
}

/**
 * Races `command` against `deadline`: past it, the call rejects with {@link RedisUnavailableError} when the
 * client is not connected, or `onTimeout()` when it is (Redis is slow, or a wait ran out).
 */
export function withDeadline<T>(
  redis: Redis,
  command: Promise<T>,
  deadline: number,
  api: string,
  onTimeout: () => Error,
): Promise<T> {
  const guarded = command.catch((err: unknown) => {
    throw asUnavailable(err, api);
  });
  if (deadline === Number.POSITIVE_INFINITY) return guarded;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        redis.status === 'ready'
          ? onTimeout()
          : new RedisUnavailableError(`${api}: Redis is unreachable (the client is ${redis.status})`),
      );
    }, remaining(deadline));
    guarded.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** A {@link TimeoutError} for `api` after `timeout` ms. */
export function timeoutError(api: string, timeout: number): TimeoutError {
  return new TimeoutError(`${api}: timed out after ${timeout} ms`, timeout);
}

// ------------------------------------------------------------------------------------------------------------
// Lua

/**
 * The Lua prelude of every script: checks that `KEYS[1]` (the meta hash) is absent or holds `ARGV[1]` (the
 * kind) with the parameters `ARGV[2]` (a `field=value;…` string), and creates it when absent. A conflict
 * returns `{-1, description}` before anything is written.
 */
const KIND_CHECK = `
local meta = KEYS[1]
local t = redis.call('type', meta)['ok']
if t == 'none' then
  redis.call('hset', meta, 'kind', ARGV[1], 'params', ARGV[2])
elseif t ~= 'hash' then
  return {-1, 'a Redis ' .. t .. ' value'}
else
  local kind = redis.call('hget', meta, 'kind')
  if kind ~= ARGV[1] then
    if kind then return {-1, 'a ' .. kind} end
    return {-1, 'a hash this library did not write'}
  end
  local params = redis.call('hget', meta, 'params')
  if params ~= ARGV[2] then return {-1, 'a ' .. kind .. ' created with ' .. params} end
end
`;

/** Result code of a script whose key holds something else (see {@link KIND_CHECK}). */
export const CONFLICT = -1;

/** A Lua script run by its SHA-1 (`EVALSHA`), loaded with `EVAL` the first time a server lacks it. */
export class Script {
  readonly #source: string;
  readonly #sha: string;
  readonly #keys: number;
  readonly #loaded = new WeakSet<Redis>();

  /**
   * @param body - The script after the kind check; `KEYS[1]` is the meta hash, `ARGV[1]` and `ARGV[2]` the
   *   kind and its parameters, the script's own arguments start at `ARGV[3]`.
   * @param keys - How many keys the script takes (at least 1, the meta hash).
   */
  constructor(body: string, keys: number) {
    this.#source = KIND_CHECK + body;
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
    this.#keys = keys;
  }

  /** Runs the script; the command is written to the connection before this returns. */
  run(redis: Redis, keys: string[], args: (string | number | Buffer)[]): Promise<unknown[]> {
    return this.#call(redis, keys, args, false);
  }

  /** Like {@link Script.run}, with bulk strings returned as `Buffer`s (for items). */
  runBuffer(redis: Redis, keys: string[], args: (string | number | Buffer)[]): Promise<unknown[]> {
    return this.#call(redis, keys, args, true);
  }

  #call(
    redis: Redis,
    keys: string[],
    args: (string | number | Buffer)[],
    buffers: boolean,
  ): Promise<unknown[]> {
    const send = (command: string, script: string): Promise<unknown[]> => {
      const argv = [script, this.#keys, ...keys, ...args];
      return (buffers ? redis.callBuffer(command, argv) : redis.call(command, argv)) as Promise<unknown[]>;
    };
    // The first call on a client sends the whole script (EVAL caches it in the server): a NOSCRIPT round trip
    // would let commands sent after this one overtake it. EVALSHA, with EVAL after a NOSCRIPT (the server was
    // restarted or flushed its scripts), from then on.
    if (!this.#loaded.has(redis)) {
      this.#loaded.add(redis);
      return send('eval', this.#source);
    }
    return send('evalsha', this.#sha).catch((err: unknown) => {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return send('eval', this.#source);
    });
  }
}

/**
 * Runs `script` for the primitive `kind` at `key` (meta hash first in `keys`): waits for an unreachable client
 * up to `deadline` / `unreachable` ms, never abandons a script in flight (what it took must not be lost), and
 * throws {@link RedisKeyConflictError} when the key holds something else.
 */
export async function runScript(
  redis: Redis,
  script: Script,
  target: { key: string; kind: string; params: string; unreachable: number },
  api: string,
  keys: string[],
  args: (string | number | Buffer)[],
  deadline = Number.POSITIVE_INFINITY,
  buffers = false,
): Promise<unknown[]> {
  if (redis.status !== 'ready') await whenReady(redis, deadline, target.unreachable, api);
  const argv = [target.kind, target.params, ...args];
  const sent = buffers ? script.runBuffer(redis, keys, argv) : script.run(redis, keys, argv);
  const result = await withDeadline(redis, sent, Number.POSITIVE_INFINITY, api, () => new Error(api));
  checkConflict(result, api, target.key, target.kind);
  return result;
}

/** Throws {@link RedisKeyConflictError} for a script result `{-1, what}`. */
export function checkConflict(result: unknown[], api: string, key: string, kind: string): void {
  if (Number(result[0]) !== CONFLICT) return;
  const what = String(result[1]);
  throw new RedisKeyConflictError(`${api}: key ${JSON.stringify(key)} holds ${what}, not this ${kind}`);
}
