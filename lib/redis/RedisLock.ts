/**
 * `RedisLock`: a `Lock` shared by every process that uses the same Redis and key.
 *
 * ## Keys and states
 * | key             | type   | meaning                                                                      |
 * |-----------------|--------|------------------------------------------------------------------------------|
 * | `mutex:<key>`   | string | redis-semaphore's lease: the holder's identifier, expiring after `lockTimeout` ms unless refreshed |
 * | `<key>`         | hash   | `kind` = `RedisLock`; `owner` = the identifier of the holder that has not released yet |
 *
 * | lease     | `owner`     | meaning                                                                       |
 * |-----------|-------------|-------------------------------------------------------------------------------|
 * | absent    | absent      | free                                                                          |
 * | id        | id          | held by `id`                                                                  |
 * | id        | absent      | just acquired by `id`, its claim (below) not run yet                          |
 * | absent    | dead id     | free, and its last holder died (or lost its lease) without releasing          |
 * | id        | other id    | just acquired by `id` after `other id` died: the claim reports it             |
 *
 * ## Steps, and what others see if a process stops between them
 * 1. **acquire**: redis-semaphore's `SET mutex:<key> id PX lockTimeout NX`, retried every `retryInterval` ms;
 *    refreshed every `refreshInterval` ms while held.
 * 2. **claim** (Lua, written right behind the `SET` on the same connection, so it costs no extra round trip
 *    when the lock is free): if the lease is ours, swap `owner` to our id; a previous `owner` means the last
 *    holder never released: this acquirer gets {@link OwnerDiedError} with the lock held. A process that dies
 *    between 1 and 2 leaves no `owner`: its death is not reported, but nothing was done under the lock yet.
 * 3. **release** (Lua, one step): drop `owner` if ours, delete the lease if ours, publish on the channel.
 *
 * A process that dies holding the lock frees it when its lease runs out (`lockTimeout`, 10 s by default); the
 * next acquirer is told with {@link OwnerDiedError}. A holder that stalls longer than `lockTimeout` (a debugger,
 * a stopped process) loses its lease too: `onLockLost` is called, and the next acquirer is told in the same way.
 *
 * @module
 */

import { E_CANCELED, type MutexInterface } from 'async-mutex';
import type { Redis } from 'ioredis';
import { TimeoutError as LeaseTimeoutError, type LostLockError, Mutex } from 'redis-semaphore';
import { LockNotHeldError, OwnerDiedError, TimeoutError } from '../errors';
import { guardOf, onceReleaser, parseWait } from '../internal/options';
import { keepClassName } from '../internal/shared';
import { remaining } from '../internal/wait';
import type { AcquireOptions, Guard, Releaser, WaitOptions } from '../options';
import {
  channelOf,
  checkArgCount,
  checkClientAndKey,
  checkConflict,
  checkOptionKeys,
  corkForThisTick,
  describe,
  msOption,
  NO_THREAD,
  type RedisPrimitiveOptions,
  Script,
  timeoutError,
  unreachableTimeoutOf,
  whenReady,
  withDeadline,
} from './connection';
import { anySignal, LocalSemaphore, takeLocal } from './local';
import { waitFor } from './waker';

const KIND = 'RedisLock';

/** `KEYS`: meta, lease; `ARGV[3]`: our identifier. `{1}` claimed, `{2, previous}` claimed after a death, `{0}` not ours. */
const CLAIM = new Script(
  `
if redis.call('get', KEYS[2]) ~= ARGV[3] then return {0} end
if owner == ARGV[3] then return {1} end
redis.call('hset', meta, 'owner', ARGV[3])
if owner then return {2, owner} end
return {1}
`,
  ['owner'],
);

/** `KEYS`: meta, lease; `ARGV[3]`: our identifier, `ARGV[4]`: the channel. `{1}` released, `{0}` the lease was gone. */
const RELEASE = new Script(
  `
if owner == ARGV[3] then redis.call('hdel', meta, 'owner') end
local released = 0
if redis.call('get', KEYS[2]) == ARGV[3] then
  redis.call('del', KEYS[2])
  released = 1
end
redis.call('publish', ARGV[4], 'released')
return {released}
`,
  ['owner'],
);

/** Options of a {@link RedisLock}. */
export interface RedisLockOptions extends RedisPrimitiveOptions {
  /**
   * Milliseconds a lease lasts without a refresh: how long a lock held by a process that died stays taken.
   * @defaultValue 10000
   */
  lockTimeout?: number;
  /**
   * Milliseconds between two refreshes of a held lease; 0 turns refreshing off.
   * @defaultValue `lockTimeout * 0.8`
   */
  refreshInterval?: number;
  /**
   * Milliseconds between two tries of a waiting acquirer (redis-semaphore polls).
   * @defaultValue 10
   */
  retryInterval?: number;
  /**
   * Called when a refresh finds the lease gone: the process stalled longer than `lockTimeout`, and another
   * process may hold the lock now. By default a warning is emitted (`process.emitWarning`).
   */
  onLockLost?: (err: Error) => void;
}

interface Held {
  readonly mutex: Mutex;
  readonly releaseLocal: () => void;
}

/**
 * Python's `multiprocessing.Lock` for processes that share a Redis: the same primitive in every process that
 * names the same key, with the async API of {@link Lock} (and `async-mutex`'s `MutexInterface`). The lease comes
 * from redis-semaphore's `Mutex`; a process that dies holding the lock frees it when the lease runs out, and the
 * next acquirer is told with {@link OwnerDiedError}.
 *
 * Within one process, the async acquirers of one `RedisLock` queue locally (by priority) and one at a time
 * contends on Redis. `isLocked()` answers for this process (the interface wants a boolean now); `locked()` asks
 * Redis.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisLock } from 'shared-sync/redis';
 * const redis = new Redis(6379, '127.0.0.1');
 * const lock = new RedisLock(redis, 'accounts');
 * await lock.runExclusive(async () => {
 *   // one process at a time, across machines
 * });
 * await redis.quit();
 * ```
 */
export class RedisLock implements MutexInterface {
  static {
    keepClassName(RedisLock, 'RedisLock');
  }

  /** The ioredis client. */
  readonly redis: Redis;
  /** The key that names this lock in Redis. */
  readonly key: string;
  readonly #lease: string;
  readonly #channel: string;
  readonly #options: Required<Omit<RedisLockOptions, 'onLockLost'>> & Pick<RedisLockOptions, 'onLockLost'>;
  readonly #local = new LocalSemaphore(1);
  #held: Held | undefined;
  #cancel = new AbortController();

  /**
   * @param redis - An ioredis client; commands of this lock go through it, waits use one extra connection per
   *   client (pub/sub).
   * @param key - The lock's name in Redis: every process that uses the same key shares the lock.
   * @param options - Lease and retry timings, see {@link RedisLockOptions}.
   * @throws TypeError / RangeError for a bad client, key or option.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'report', { lockTimeout: 30_000 });
   * console.log(lock.key); // 'report'
   * ```
   */
  constructor(redis: Redis, key: string, options?: RedisLockOptions) {
    checkClientAndKey(redis, key, KIND);
    // biome-ignore lint/complexity/noArguments: the declared parameters stay what users see; extra ones are refused
    checkArgCount(arguments, ['redis', 'key', 'options'], KIND);
    this.redis = redis;
    this.key = key;
    this.#lease = `mutex:${key}`;
    this.#channel = channelOf(key);
    this.#options = leaseOptions(options, KIND);
  }

  /**
   * Acquires the lock, waiting as long as needed (or until `timeout`); resolves with a releaser.
   *
   * @param options - `{ timeout, signal, priority }`, or a priority number (`async-mutex`'s signature).
   *   `priority` orders this process's own waiters.
   * @returns A releaser: calling it releases the lock (once; later calls do nothing).
   * @throws (rejects) {@link TimeoutError} when the timeout runs out; `signal.reason` on abort;
   *   `async-mutex`'s `E_CANCELED` after {@link RedisLock.cancel}; {@link OwnerDiedError} **with the lock held**
   *   when the previous holder died without releasing (repair, then `release()`);
   *   {@link RedisUnavailableError} when Redis cannot be reached; {@link RedisKeyConflictError} when the key
   *   holds another primitive.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'accounts');
   * const release = await lock.acquire({ timeout: 5000 });
   * try {
   *   // critical section
   * } finally {
   *   release();
   * }
   * ```
   */
  async acquire(options?: number | AcquireOptions): Promise<Releaser> {
    const api = 'RedisLock.acquire';
    const wait = parseWait(options, api);
    const cancel = this.#cancel.signal;
    // AbortSignal.any() costs more than the rest of an uncontended acquire: only when the caller gave a signal.
    const signal = wait.signal ? anySignal([wait.signal, cancel]) : cancel;
    // Local waiters are cancelled by the local semaphore itself (cancel() calls its cancel()).
    const releaseLocal = await takeLocal(this.#local, 1, wait, api).catch((err: unknown) => {
      throw cancel.aborted ? E_CANCELED : err;
    });
    let acquired: Mutex;
    try {
      acquired = await this.#acquireRemote(wait.deadline, wait.timeout, signal, api, Infinity);
    } catch (err) {
      releaseLocal();
      throw cancel.aborted && !(err instanceof OwnerDiedError) ? E_CANCELED : err;
    }
    return this.#hold(acquired, releaseLocal, api);
  }

  /**
   * Acquires the lock if it is free now (one try, one round trip); never waits for a holder.
   *
   * @returns `true` when acquired (release it with {@link RedisLock.release}), `false` when it is held.
   * @throws (rejects) {@link OwnerDiedError} with the lock held, as {@link RedisLock.acquire};
   *   {@link RedisUnavailableError}; {@link RedisKeyConflictError}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'nightly-report');
   * if (await lock.tryAcquire()) {
   *   try {
   *     // only one process writes the report
   *   } finally {
   *     lock.release();
   *   }
   * }
   * ```
   */
  async tryAcquire(): Promise<boolean> {
    const api = 'RedisLock.tryAcquire';
    if (this.#local.isLocked()) return false;
    const [, releaseLocal] = await this.#local.acquire();
    let acquired: Mutex;
    try {
      acquired = await this.#acquireRemote(
        Number.POSITIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        undefined,
        api,
        1,
      );
    } catch (err) {
      releaseLocal();
      if (err instanceof TimeoutError) return false;
      throw err;
    }
    await this.#hold(acquired, releaseLocal, api);
    return true;
  }

  async #acquireRemote(
    deadline: number,
    timeout: number,
    signal: AbortSignal | undefined,
    api: string,
    attempts: number,
  ): Promise<Mutex> {
    const redis = this.redis;
    if (redis.status !== 'ready') await whenReady(redis, deadline, this.#options.unreachableTimeout, api);
    signal?.throwIfAborted();
    const mutex: Mutex = new Mutex(redis, this.key, {
      lockTimeout: this.#options.lockTimeout,
      refreshInterval: this.#options.refreshInterval,
      retryInterval: this.#options.retryInterval,
      acquireTimeout: remaining(deadline),
      acquireAttemptsLimit: attempts,
      onLockLost: (err: LostLockError) => {
        if (this.#held?.mutex === mutex) this.#lockLost(err);
      },
    });
    catchRefreshErrors(mutex);
    // Without a deadline, the acquire ends only by itself or by the signal: the signal can stop it directly.
    // With one, a controller of its own stops it when the deadline passes.
    const quit = deadline === Number.POSITIVE_INFINITY ? undefined : new AbortController();
    const stop = quit ? quit.signal : signal;
    const forward = quit && signal ? (): void => quit.abort(signal.reason) : undefined;
    if (forward) signal?.addEventListener('abort', forward, { once: true });
    // The first try's SET and the claim go out in one write (the socket is corked until the end of the tick),
    // and the claim runs right behind the SET: when the lock is free, the claim costs no round trip.
    if (redis.status === 'ready') corkForThisTick(redis.stream);
    const acquiring = mutex.acquire(stop);
    const firstClaim = CLAIM.run(redis, [this.key, this.#lease], [KIND, '', mutex.identifier]);
    if (forward) {
      const unforward = (): void => signal?.removeEventListener('abort', forward);
      acquiring.then(unforward, unforward);
    }
    firstClaim.catch(() => {});
    try {
      await withDeadline(redis, acquiring, deadline, api, () => timeoutError(api, timeout));
    } catch (err) {
      quit?.abort();
      // A try in flight may still succeed: give the lease back rather than leave it to expire.
      acquiring.then(
        () => mutex.release(),
        () => {},
      );
      if (err instanceof LeaseTimeoutError) {
        throw attempts === 1 ? new TimeoutError(`${api}: held`, 0) : timeoutError(api, timeout);
      }
      throw err;
    }
    let claim = await firstClaim.catch(() => [0]);
    if (Number(claim[0]) === 0) {
      claim = await withDeadline(
        redis,
        CLAIM.run(redis, [this.key, this.#lease], [KIND, '', mutex.identifier]),
        Number.POSITIVE_INFINITY,
        api,
        () => timeoutError(api, timeout),
      );
    }
    try {
      checkConflict(claim, api, this.key, KIND);
    } catch (err) {
      await mutex.release();
      throw err;
    }
    if (Number(claim[0]) === 2) {
      (mutex as unknown as { diedOwner?: string }).diedOwner = String(claim[1]);
    }
    return mutex;
  }

  #hold(mutex: Mutex, releaseLocal: () => void, api: string): Releaser | Promise<never> {
    this.#held = { mutex, releaseLocal };
    const releaser = onceReleaser(() => this.#releaseHeld(mutex));
    const died = (mutex as unknown as { diedOwner?: string }).diedOwner;
    if (died !== undefined) {
      return Promise.reject(
        new OwnerDiedError(
          `${api}: the previous holder of ${JSON.stringify(this.key)} (${died}) died or lost its lease ` +
            'without releasing; the lock is now held by this caller: repair what it protects, then release()',
          NO_THREAD,
        ),
      );
    }
    return releaser;
  }

  #lockLost(err: Error): void {
    const handler = this.#options.onLockLost;
    if (handler) handler(err);
    else
      process.emitWarning(
        `RedisLock: the lease on ${JSON.stringify(this.key)} was lost (this process stalled longer than ` +
          `lockTimeout = ${this.#options.lockTimeout} ms); another process may hold the lock now`,
      );
  }

  #releaseHeld(mutex: Mutex): void {
    const held = this.#held;
    if (!held || held.mutex !== mutex) return;
    this.#held = undefined;
    mutex.stopRefresh();
    // The script is written to the connection now, before the next local acquirer's SET: Redis runs them in
    // that order, so the next acquirer finds the lock free. Its reply is not awaited; if it never arrives
    // (Redis went away), the lease runs out by itself.
    RELEASE.run(this.redis, [this.key, this.#lease], [KIND, '', mutex.identifier, this.#channel]).catch(
      () => {},
    );
    held.releaseLocal();
  }

  /**
   * Releases the lock held by this process. Python's `Lock.release()`.
   *
   * @throws {@link LockNotHeldError} when this process does not hold the lock; nothing is changed.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'accounts');
   * await lock.acquire();
   * lock.release();
   * ```
   */
  release(): void {
    const held = this.#held;
    if (!held) {
      throw new LockNotHeldError(
        `RedisLock.release: ${JSON.stringify(this.key)} is not held by this process`,
      );
    }
    this.#releaseHeld(held.mutex);
  }

  /**
   * Whether this process holds the lock or one of its acquirers is taking it (`MutexInterface` wants a boolean
   * now, without a round trip). To ask Redis whether any process holds it, use {@link RedisLock.locked}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'accounts');
   * console.log(lock.isLocked()); // false
   * ```
   */
  isLocked(): boolean {
    return this.#local.isLocked();
  }

  /**
   * Whether any process holds the lock, asked of Redis. Python's `Lock.locked()`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'accounts');
   * console.log(await lock.locked()); // false, unless another process holds it
   * ```
   */
  async locked(): Promise<boolean> {
    const api = 'RedisLock.locked';
    await whenReady(this.redis, Number.POSITIVE_INFINITY, this.#options.unreachableTimeout, api);
    const value = await withDeadline(
      this.redis,
      this.redis.exists(this.#lease),
      Number.POSITIVE_INFINITY,
      api,
      () => timeoutError(api, 0),
    );
    return value === 1;
  }

  /** An acquire for the scoped forms: a dead holder's lock is released again and the error passed on. */
  async #acquireScoped(options: number | AcquireOptions | undefined): Promise<Releaser> {
    try {
      return await this.acquire(options);
    } catch (err) {
      if (err instanceof OwnerDiedError) this.release();
      throw err;
    }
  }

  /**
   * Runs `callback` holding the lock and releases it afterwards, also when the callback throws. Python's
   * `with lock:`.
   *
   * @throws (rejects) what `acquire` rejects with; on {@link OwnerDiedError} the callback does not run and the
   *   lock is released, so a retry works.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const redis = new Redis();
   * const lock = new RedisLock(redis, 'balance');
   * await lock.runExclusive(async () => {
   *   const balance = Number(await redis.get('balance'));
   *   await redis.set('balance', balance + 10);
   * });
   * ```
   */
  async runExclusive<T>(callback: MutexInterface.Worker<T>, options?: number | AcquireOptions): Promise<T> {
    const release = await this.#acquireScoped(options);
    try {
      return await callback();
    } finally {
      release();
    }
  }

  /**
   * Acquires the lock for an `await using` block: released at the end of the block.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'accounts');
   * {
   *   await using held = await lock.guard({ timeout: 1000 });
   *   // critical section
   * }
   * ```
   */
  async guard(options?: number | AcquireOptions): Promise<Guard> {
    const release = await this.#acquireScoped(options);
    return guardOf(release);
  }

  /**
   * Resolves once no process holds the lock (without acquiring it).
   *
   * @param options - `{ timeout, signal }` (a number is a priority, as in `async-mutex`, and is ignored here).
   * @throws (rejects) {@link TimeoutError}; `signal.reason`; {@link RedisUnavailableError}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'migration');
   * await lock.waitForUnlock({ timeout: 60_000 }); // the migration (in another process) is done
   * ```
   */
  async waitForUnlock(options?: number | WaitOptions): Promise<void> {
    const api = 'RedisLock.waitForUnlock';
    const wait = parseWait(options, api);
    const result = await waitFor(
      this.redis,
      this.#channel,
      async () => ((await this.locked()) ? { done: false } : { done: true, value: undefined }),
      wait.deadline,
      wait.signal,
    );
    if (!result) throw timeoutError(api, wait.timeout);
  }

  /**
   * Rejects every pending acquirer **of this process** with `async-mutex`'s `E_CANCELED`, as `Mutex.cancel()`
   * does. The holder and other processes are not affected.
   *
   * @example
   * ```ts
   * import { E_CANCELED } from 'async-mutex';
   * import { Redis } from 'ioredis';
   * import { RedisLock } from 'shared-sync/redis';
   * const lock = new RedisLock(new Redis(), 'accounts');
   * const pending = lock.acquire();
   * lock.cancel();
   * await pending.catch((err) => console.log(err === E_CANCELED)); // true (if it was still waiting)
   * ```
   */
  cancel(): void {
    this.#cancel.abort(E_CANCELED);
    this.#cancel = new AbortController();
    this.#local.cancel();
  }
}

/** The option names of {@link RedisLockOptions}. */
const LEASE_OPTIONS = [
  'lockTimeout',
  'refreshInterval',
  'retryInterval',
  'onLockLost',
  'unreachableTimeout',
] as const;

/** Checks the options of a `RedisLock` or `RedisSemaphore` (`api`) and fills in the defaults. */
export function leaseOptions(
  options: RedisLockOptions | undefined,
  api: string,
): Required<Omit<RedisLockOptions, 'onLockLost'>> & Pick<RedisLockOptions, 'onLockLost'> {
  const given = checkOptionKeys(options, LEASE_OPTIONS, api, '{ lockTimeout: 10000 }');
  const lockTimeout = msOption(given.lockTimeout, 10_000, api, 'lockTimeout');
  const onLockLost = given.onLockLost;
  if (onLockLost !== undefined && typeof onLockLost !== 'function') {
    throw new TypeError(`${api}: onLockLost must be a function, got ${describe(onLockLost)}`);
  }
  return {
    unreachableTimeout: unreachableTimeoutOf(given, api),
    lockTimeout,
    refreshInterval: msOption(given.refreshInterval, Math.round(lockTimeout * 0.8), api, 'refreshInterval', {
      zero: true,
    }),
    retryInterval: msOption(given.retryInterval, 10, api, 'retryInterval'),
    onLockLost: onLockLost as RedisLockOptions['onLockLost'],
  };
}

/**
 * redis-semaphore refreshes a lease from a timer and lets a refresh that fails on a closed or lost connection
 * become an unhandled rejection, which ends a Node process. Such a refresh is retried at the next tick instead;
 * if the lease runs out meanwhile, the next refresh that reaches Redis reports it through `onLockLost`.
 */
export function catchRefreshErrors(lock: object): void {
  const target = lock as { _processRefresh?: () => Promise<void> };
  const refresh = target._processRefresh;
  if (typeof refresh !== 'function') return;
  target._processRefresh = () => refresh().catch(() => {});
}
