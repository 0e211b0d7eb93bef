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
import { describe } from '../internal/shared';

export { checkArgCount, checkOptionKeys } from '../internal/args';

import { remaining } from '../internal/wait';

export { describe };

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

/**
 * Checks the `(redis, key)` pair every Redis constructor starts with: an ioredis client of one server (a
 * `Cluster` is refused: the scripts touch several keys that need not share a slot) and a non-empty key.
 */
export function checkClientAndKey(redis: unknown, key: unknown, api: string): void {
  const client = redis as Partial<Redis> | null;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.callBuffer !== 'function' ||
    typeof client.duplicate !== 'function' ||
    typeof client.status !== 'string'
  ) {
    throw new TypeError(`${api}: redis must be an ioredis client (new Redis(...)), got ${describe(redis)}`);
  }
  if ((client as { isCluster?: unknown }).isCluster === true) {
    throw new TypeError(
      `${api}: redis must be an ioredis client of one server (new Redis(...)); Redis Cluster is not supported`,
    );
  }
  if (typeof key !== 'string') {
    throw new TypeError(`${api}: key must be a non-empty string, got ${describe(key)}`);
  }
  if (key.length === 0) throw new TypeError(`${api}: key must be a non-empty string, got an empty string`);
}

/**
 * Reads a duration option in milliseconds: `fallback` when absent, a `TypeError` when it is not a number, a
 * `RangeError` when it is out of range (`> 0`, or `>= 0` with `zero`; finite unless `infinite`).
 */
export function msOption(
  value: unknown,
  fallback: number,
  api: string,
  name: string,
  { zero = false, infinite = false } = {},
): number {
  if (value === undefined) return fallback;
  const expected = `${zero ? 'a non-negative' : 'a positive'} number of milliseconds`;
  if (typeof value !== 'number')
    throw new TypeError(`${api}: ${name} must be ${expected}, got ${describe(value)}`);
  if (!(zero ? value >= 0 : value > 0) || (!infinite && !Number.isFinite(value))) {
    throw new RangeError(`${api}: ${name} must be ${expected}, got ${value}`);
  }
  return value;
}

/** Reads `unreachableTimeout` from checked options (see {@link checkOptionKeys}). */
export function unreachableTimeoutOf(options: { unreachableTimeout?: unknown }, api: string): number {
  return msOption(options.unreachableTimeout, UNREACHABLE_TIMEOUT, api, 'unreachableTimeout', {
    zero: true,
    infinite: true,
  });
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
    const stop = onReadyOrEnd(redis, {
      ready: () => {
        clearTimeout(timer);
        resolve();
      },
      ended: () => {
        clearTimeout(timer);
        reject(new RedisUnavailableError(`${api}: Redis is unreachable (the client's connection ended)`));
      },
    });
    const timer = setTimeout(() => {
      stop();
      reject(
        new RedisUnavailableError(
          `${api}: Redis is unreachable (the client is ${redis.status} after ${Math.round(ms)} ms)`,
        ),
      );
    }, ms);
  });
}

interface ReadyWaiter {
  ready(): void;
  ended(): void;
}

/** The calls waiting for a client to be ready, and the function that removes the client's two listeners. */
const readyWaiters = new WeakMap<Redis, { waiters: Set<ReadyWaiter>; stop(): void }>();

/**
 * Tells `waiter` once, when `redis` becomes ready or ends. However many calls wait (100 `put`s sent right after
 * `new Redis()`), the client gets one `ready` and one `end` listener, removed when the last waiter leaves (no
 * `MaxListenersExceededWarning`). Returns the function that removes the waiter.
 */
function onReadyOrEnd(redis: Redis, waiter: ReadyWaiter): () => void {
  let entry = readyWaiters.get(redis);
  if (!entry) {
    const waiters = new Set<ReadyWaiter>();
    const settle = (outcome: keyof ReadyWaiter) => (): void => {
      stop();
      for (const each of [...waiters]) each[outcome]();
      waiters.clear();
    };
    const onReady = settle('ready');
    const onEnd = settle('ended');
    const stop = (): void => {
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      if (readyWaiters.get(redis) === entry) readyWaiters.delete(redis);
    };
    redis.on('ready', onReady);
    redis.on('end', onEnd);
    entry = { waiters, stop };
    readyWaiters.set(redis, entry);
  }
  const { waiters, stop } = entry;
  waiters.add(waiter);
  return () => {
    if (waiters.delete(waiter) && waiters.size === 0) stop();
  };
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
 * returns `{-1, description}` before anything is written. One `HMGET` reads the kind, the parameters and the
 * fields the script asks for (as Lua locals of the same names, `false` when absent): a key of another type
 * makes it fail (caught), an absent kind is told apart from a foreign hash with `EXISTS`, both off the common
 * path.
 */
function kindCheck(fields: readonly string[]): string {
  const names = fields.map((f) => `, '${f}'`).join('');
  const locals = fields.map((f, i) => `local ${f} = m[${i + 3}]\n`).join('');
  return `
local meta = KEYS[1]
local m = redis.pcall('hmget', meta, 'kind', 'params'${names})
if m['err'] then return {-1, 'a Redis ' .. redis.call('type', meta)['ok'] .. ' value'} end
if m[1] ~= ARGV[1] then
  if m[1] then return {-1, 'a ' .. m[1]} end
  if redis.call('exists', meta) == 1 then return {-1, 'a hash this library did not write'} end
  redis.call('hset', meta, 'kind', ARGV[1], 'params', ARGV[2])
elseif m[2] ~= ARGV[2] then
  return {-1, 'a ' .. m[1] .. ' created with ' .. (m[2] or 'no parameters')}
end
${locals}`;
}

/** Result code of a script whose key holds something else (see {@link kindCheck}). */
export const CONFLICT = -1;

/** A Lua script run by its SHA-1 (`EVALSHA`), loaded with `EVAL` the first time a server lacks it. */
export class Script {
  readonly #source: string;
  readonly #sha: string;
  readonly #loaded = new WeakSet<Redis>();

  /**
   * @param body - The script after the kind check; `KEYS[1]` is the meta hash (Lua local `meta`), `ARGV[1]`
   *   and `ARGV[2]` the kind and its parameters, the script's own arguments start at `ARGV[3]`. The number of
   *   keys is that of the call.
   * @param fields - Fields of the meta hash the body reads: read with the kind check, in one `HMGET`, into Lua
   *   locals of the same names (`false` when absent; the values before the script's own writes).
   */
  constructor(body: string, fields: readonly string[] = []) {
    this.#source = kindCheck(fields) + body;
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
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
    // The first call on a client sends the whole script (EVAL caches it in the server): a NOSCRIPT round trip
    // would let commands sent after this one overtake it. EVALSHA, with EVAL after a NOSCRIPT (the server was
    // restarted or flushed its scripts), from then on.
    const first = !this.#loaded.has(redis);
    if (first) this.#loaded.add(redis);
    const argv = [first ? this.#source : this.#sha, keys.length, ...keys, ...args];
    const sent = send(redis, first ? 'eval' : 'evalsha', argv, buffers);
    if (first) return sent;
    return sent.catch((err: unknown) => {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      argv[0] = this.#source;
      return send(redis, 'eval', argv, buffers);
    });
  }
}

function send<T = unknown[]>(
  redis: Redis,
  command: string,
  argv: (string | number | Buffer)[],
  buffers: boolean,
): Promise<T> {
  if (redis.status === 'ready') batchWrites(redis.stream);
  return (buffers ? redis.callBuffer(command, argv) : redis.call(command, argv)) as Promise<T>;
}

/** Corked connections, with how many commands have been held since the last flush. */
const corked = new WeakMap<object, number>();
/**
 * A corked connection lets what it holds leave every this many commands: the server then works on the first
 * ones while this tick makes the others (100 puts in flight: 16.4 -> 11.3-12.2 µs per put + get, measured
 * against the same local redis-server; holding all 100 to the end of the tick left the server idle meanwhile).
 */
const FLUSH_EVERY = 16;
const wroteThisTick = new WeakSet<object>();

/**
 * Lets the first command of a tick leave at once (a lone command, one at a time, gains nothing from waiting),
 * and from the second on holds the writes until the end of the tick (see {@link corkForThisTick}), letting
 * them leave in groups of {@link FLUSH_EVERY}.
 */
function batchWrites(stream: { cork(): void; uncork(): void } | undefined): void {
  if (!stream) return;
  if (corked.has(stream)) {
    const held = (corked.get(stream) ?? 0) + 1;
    if (held < FLUSH_EVERY) {
      corked.set(stream, held);
      return;
    }
    // Let what is held leave now, so that the server works on it while this tick makes the rest.
    corked.set(stream, 0);
    stream.uncork();
    stream.cork();
    return;
  }
  if (wroteThisTick.has(stream)) {
    corkForThisTick(stream);
    return;
  }
  wroteThisTick.add(stream);
  process.nextTick(forget, stream);
}

function forget(stream: object): void {
  wroteThisTick.delete(stream);
}

/**
 * Holds the connection's writes until the end of this tick (`cork()`, then `uncork()` in `process.nextTick`,
 * as Node's documentation recommends), so that the commands sent in one tick (100 `put`s in a loop, or an
 * acquire's `SET` and its claim) leave in one `writev` system call instead of one `write` each. Commands keep
 * their order on the connection; nothing waits longer than the current tick.
 */
export function corkForThisTick(stream: { cork(): void; uncork(): void } | undefined): void {
  if (!stream || corked.has(stream)) return;
  corked.set(stream, 0);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork();
  });
}

/**
 * Runs `script` for the primitive `kind` at `key` (meta hash first in `keys`): waits for an unreachable client
 * up to `deadline` / `unreachable` ms, never abandons a script in flight (what it took must not be lost), and
 * throws {@link RedisKeyConflictError} when the key holds something else.
 */
export function runScript(
  redis: Redis,
  script: Script,
  target: ScriptTarget,
  api: string,
  keys: string[],
  args: (string | number | Buffer)[],
  deadline = Number.POSITIVE_INFINITY,
  buffers = false,
): Promise<unknown[]> {
  const send = (): Promise<unknown[]> => {
    const argv = [target.kind, target.params, ...args];
    const sent = buffers ? script.runBuffer(redis, keys, argv) : script.run(redis, keys, argv);
    return sent.then(
      (result) => {
        checkConflict(result, api, target.key, target.kind);
        return result;
      },
      (err: unknown) => {
        throw asUnavailable(err, api);
      },
    );
  };
  if (redis.status !== 'ready') return whenReady(redis, deadline, target.unreachable, api).then(send);
  return send();
}

/**
 * Sends one plain command (no script) for a primitive whose key this process has already checked with a script:
 * the same readiness wait, write batching and error mapping as {@link runScript}, without the kind check.
 */
export function runCommand(
  redis: Redis,
  target: ScriptTarget,
  api: string,
  command: string,
  args: (string | number | Buffer)[],
  deadline = Number.POSITIVE_INFINITY,
  buffers = false,
): Promise<unknown> {
  const sent = (): Promise<unknown> =>
    send<unknown>(redis, command, args, buffers).then(undefined, (err: unknown) => {
      throw asUnavailable(err, api);
    });
  if (redis.status !== 'ready') return whenReady(redis, deadline, target.unreachable, api).then(sent);
  return sent();
}

/** The primitive a script runs for: its key, kind, parameters and `unreachableTimeout`. */
export interface ScriptTarget {
  readonly key: string;
  readonly kind: string;
  readonly params: string;
  readonly unreachable: number;
}

/** Throws {@link RedisKeyConflictError} for a script result `{-1, what}`. */
export function checkConflict(result: unknown[], api: string, key: string, kind: string): void {
  if (Number(result[0]) !== CONFLICT) return;
  const what = String(result[1]);
  throw new RedisKeyConflictError(`${api}: key ${JSON.stringify(key)} holds ${what}, not this ${kind}`);
}
