/**
 * `RedisSemaphore`: a `Semaphore` shared by every process that uses the same Redis and key.
 *
 * ## Keys
 * | key                 | type       | meaning                                                                 |
 * |---------------------|------------|-------------------------------------------------------------------------|
 * | `semaphore:<key>`   | sorted set | redis-semaphore's leases: one member per permit held, scored by the time it was taken or last refreshed |
 * | `<key>`             | hash       | `kind` = `RedisSemaphore`, `params` = `value=N`                         |
 *
 * An acquire of `weight` permits is redis-semaphore's `MultiSemaphore` (one Lua step: drop expired leases, add
 * `weight` members if they fit), refreshed every `refreshInterval` ms while held. A process that dies holding
 * permits frees them when their lease runs out (`lockTimeout`); as in Python, permits are not owned, so nobody
 * is told (no `OwnerDiedError`).
 *
 * @module
 */

import { E_CANCELED, type SemaphoreInterface } from 'async-mutex';
import type { Redis } from 'ioredis';
import { TimeoutError as LeaseTimeoutError, MultiSemaphore } from 'redis-semaphore';
import { SemaphoreOverflowError, TimeoutError } from '../errors';
import { type ParsedWait, parseWait } from '../internal/options';
import { keepClassName } from '../internal/shared';
import { remaining } from '../internal/wait';
import type { AcquireOptions, Guard, Releaser, WaitOptions } from '../options';
import {
  channelOf,
  checkArgCount,
  checkClientAndKey,
  checkConflict,
  describe,
  Script,
  timeoutError,
  whenReady,
  withDeadline,
} from './connection';
import { anySignal, LocalSemaphore, takeLocal } from './local';
import type { RedisLockOptions } from './RedisLock';
import { catchRefreshErrors, leaseOptions } from './RedisLock';
import { waitFor } from './waker';

const KIND = 'RedisSemaphore';

/** `KEYS`: meta, leases. Returns `{1, members of the lease set}` (permits held, expired ones included). */
const COUNT = new Script(
  `
return {1, redis.call('zcard', KEYS[2])}
`,
);

/** Options of a {@link RedisSemaphore}: the lease timings of {@link RedisLockOptions}. */
export type RedisSemaphoreOptions = RedisLockOptions;

interface Held {
  readonly lease: MultiSemaphore;
  readonly weight: number;
  readonly releaseLocal: () => void;
}

/**
 * Python's `multiprocessing.Semaphore(value)` for processes that share a Redis: at most `value` permits are
 * held at once across every process that names the same key, with the async API of {@link Semaphore} (and
 * `async-mutex`'s `SemaphoreInterface`). Leases come from redis-semaphore.
 *
 * `getValue()` and `isLocked()` answer without a round trip, for this process (what the interface wants);
 * {@link RedisSemaphore.freePermits} asks Redis. Permits are leases held by the process that took them, so
 * `release()` without an acquire is a {@link SemaphoreOverflowError}, as with a `BoundedSemaphore`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisSemaphore } from 'shared-sync/redis';
 * const api = new RedisSemaphore(new Redis(), 'partner-api', 3); // 3 calls at a time, all processes together
 * await api.runExclusive(async () => {
 *   // call the partner's API
 * });
 * ```
 */
export class RedisSemaphore implements SemaphoreInterface {
  static {
    keepClassName(RedisSemaphore, 'RedisSemaphore');
  }

  /** The ioredis client. */
  readonly redis: Redis;
  /** The key that names this semaphore in Redis. */
  readonly key: string;
  /** The number of permits, shared by every process. */
  readonly value: number;
  readonly #local: LocalSemaphore;
  readonly #channel: string;
  readonly #options: Required<Omit<RedisSemaphoreOptions, 'onLockLost'>> &
    Pick<RedisSemaphoreOptions, 'onLockLost'>;
  readonly #held: Held[] = [];
  #checked: Promise<void> | undefined;
  #cancel = new AbortController();

  /**
   * @param redis - An ioredis client.
   * @param key - The semaphore's name in Redis.
   * @param value - The number of permits (every process must give the same).
   * @param options - Lease and retry timings, as {@link RedisLockOptions}.
   * @throws TypeError / RangeError for a bad client, key, value or option.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * const slots = new RedisSemaphore(new Redis(), 'gpu', 2, { lockTimeout: 60_000 });
   * console.log(slots.value); // 2
   * ```
   */
  constructor(redis: Redis, key: string, value: number, options?: RedisSemaphoreOptions) {
    checkClientAndKey(redis, key, KIND);
    if (typeof value !== 'number') {
      throw new TypeError(
        `${KIND}: value must be a positive integer (the number of permits), got ${describe(value)}`,
      );
    }
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${KIND}: value must be a positive integer (the number of permits), got ${value}`);
    }
    const timings = leaseOptions(options, KIND);
    // biome-ignore lint/complexity/noArguments: the declared parameters stay what users see; extra ones are refused
    checkArgCount(arguments, ['redis', 'key', 'value', 'options'], KIND);
    this.redis = redis;
    this.key = key;
    this.value = value;
    this.#local = new LocalSemaphore(value);
    this.#channel = channelOf(key);
    this.#options = timings;
  }

  #check(api: string): Promise<void> {
    this.#checked ??= COUNT.run(
      this.redis,
      [this.key, `semaphore:${this.key}`],
      [KIND, `value=${this.value}`],
    ).then((result) => checkConflict(result, api, this.key, KIND));
    const checked = this.#checked;
    checked.catch(() => {
      if (this.#checked === checked) this.#checked = undefined; // try again next time
    });
    return checked;
  }

  #checkWeight(weight: unknown, api: string): number {
    const expected = `an integer from 1 to ${this.value}`;
    if (typeof weight !== 'number') {
      throw new TypeError(`${api}: weight must be ${expected}, got ${describe(weight)}`);
    }
    if (!Number.isInteger(weight) || weight < 1 || weight > this.value) {
      throw new RangeError(`${api}: weight must be ${expected}, got ${weight}`);
    }
    return weight;
  }

  /**
   * Acquires `weight` permits, waiting as long as needed (or until `timeout`).
   *
   * @param weight - Permits to take at once.
   * @param options - `{ timeout, signal, priority }`, or a priority number (`async-mutex`'s signature).
   * @returns `[free permits right after this acquire, as Redis counted them, releaser]`.
   * @throws RangeError for a bad weight; (rejects) {@link TimeoutError}; `signal.reason`; `E_CANCELED` after
   *   {@link RedisSemaphore.cancel}; {@link RedisUnavailableError}; {@link RedisKeyConflictError}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * const slots = new RedisSemaphore(new Redis(), 'gpu', 2);
   * const [free, release] = await slots.acquire(1, { timeout: 10_000 });
   * try {
   *   console.log(free); // 1, if no other process holds one
   * } finally {
   *   release();
   * }
   * ```
   */
  async acquire(weight = 1, options?: number | AcquireOptions): Promise<[number, Releaser]> {
    const api = 'RedisSemaphore.acquire';
    this.#checkWeight(weight, api);
    const wait = parseWait(options, api);
    const cancel = this.#cancel.signal;
    const signal = anySignal([wait.signal, cancel]);
    const releaseLocal = await takeLocal(this.#local, weight, { ...wait, signal }, api).catch(
      (err: unknown) => {
        throw cancel.aborted ? E_CANCELED : err;
      },
    );
    try {
      await whenReady(this.redis, wait.deadline, this.#options.unreachableTimeout, api);
      await this.#check(api);
      const held = await this.#acquireRemote(
        weight,
        wait,
        signal,
        releaseLocal,
        api,
        Number.POSITIVE_INFINITY,
      );
      const count = await COUNT.run(
        this.redis,
        [this.key, `semaphore:${this.key}`],
        [KIND, `value=${this.value}`],
      );
      return [Math.max(0, this.value - Number(count[1])), this.#releaser(held)];
    } catch (err) {
      releaseLocal();
      throw cancel.aborted ? E_CANCELED : err;
    }
  }

  /**
   * Takes `weight` permits if they are free now (one try).
   *
   * @returns `true` when taken (give them back with {@link RedisSemaphore.release}), `false` otherwise.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * const slots = new RedisSemaphore(new Redis(), 'gpu', 2);
   * if (await slots.tryAcquire()) slots.release();
   * ```
   */
  async tryAcquire(weight = 1): Promise<boolean> {
    const api = 'RedisSemaphore.tryAcquire';
    this.#checkWeight(weight, api);
    if (this.#local.getValue() < weight) return false;
    const [, releaseLocal] = await this.#local.acquire(weight);
    const wait = parseWait(undefined, api);
    try {
      await whenReady(this.redis, wait.deadline, this.#options.unreachableTimeout, api);
      await this.#check(api);
      await this.#acquireRemote(weight, wait, undefined, releaseLocal, api, 1);
      return true;
    } catch (err) {
      releaseLocal();
      if (err instanceof TimeoutError) return false;
      throw err;
    }
  }

  async #acquireRemote(
    weight: number,
    wait: ParsedWait,
    signal: AbortSignal | undefined,
    releaseLocal: () => void,
    api: string,
    attempts: number,
  ): Promise<Held> {
    const lease = new MultiSemaphore(this.redis, this.key, this.value, weight, {
      lockTimeout: this.#options.lockTimeout,
      refreshInterval: this.#options.refreshInterval,
      retryInterval: this.#options.retryInterval,
      acquireTimeout: remaining(wait.deadline),
      acquireAttemptsLimit: attempts,
      onLockLost: (err) => {
        if (this.#options.onLockLost) this.#options.onLockLost(err);
        else
          process.emitWarning(
            `RedisSemaphore: a lease on ${JSON.stringify(this.key)} was lost (${err.message})`,
          );
      },
    });
    catchRefreshErrors(lease);
    const quit = new AbortController();
    const acquiring = lease.acquire(anySignal([signal, quit.signal]));
    try {
      await withDeadline(this.redis, acquiring, wait.deadline, api, () => timeoutError(api, wait.timeout));
    } catch (err) {
      quit.abort();
      acquiring.then(
        () => lease.release(),
        () => {},
      );
      if (err instanceof LeaseTimeoutError) throw timeoutError(api, wait.timeout);
      throw err;
    }
    const held = { lease, weight, releaseLocal };
    this.#held.push(held);
    return held;
  }

  #releaser(held: Held): Releaser {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#releaseHeld(held);
    };
  }

  #releaseHeld(held: Held): void {
    const index = this.#held.indexOf(held);
    if (index < 0) return;
    this.#held.splice(index, 1);
    // Written to the connection now; not awaited (a lease whose release is lost runs out by itself).
    held.lease.release().catch(() => {});
    this.redis.publish(this.#channel, 'released').catch(() => {});
    held.releaseLocal();
  }

  /**
   * Gives back `weight` permits held by this process (its oldest acquisitions first). Python's `release()`.
   *
   * @throws {@link SemaphoreOverflowError} when this process does not hold that many (permits are leases of the
   *   process that took them); nothing is changed.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * const slots = new RedisSemaphore(new Redis(), 'gpu', 2);
   * await slots.acquire(2);
   * slots.release(2);
   * ```
   */
  release(weight = 1): void {
    const api = 'RedisSemaphore.release';
    this.#checkWeight(weight, api);
    const chosen: Held[] = [];
    let left = weight;
    for (const held of this.#held) {
      if (held.weight > left) continue;
      chosen.push(held);
      left -= held.weight;
      if (left === 0) break;
    }
    if (left > 0) {
      throw new SemaphoreOverflowError(
        `${api}: this process holds no acquisitions of ${weight} permit(s) of ${JSON.stringify(this.key)} to release`,
      );
    }
    for (const held of chosen) this.#releaseHeld(held);
  }

  /**
   * Permits not taken by this process's acquirers (no round trip: `SemaphoreInterface` wants a number now). For
   * the free permits across all processes, use {@link RedisSemaphore.freePermits}.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * console.log(new RedisSemaphore(new Redis(), 'gpu', 2).getValue()); // 2
   * ```
   */
  getValue(): number {
    return this.#local.getValue();
  }

  /**
   * Not supported: the number of permits is fixed when the semaphore is first used, for every process.
   *
   * @throws TypeError always.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * try {
   *   new RedisSemaphore(new Redis(), 'gpu', 2).setValue(3);
   * } catch (err) {
   *   console.log(err instanceof TypeError); // true
   * }
   * ```
   */
  setValue(value: number): void {
    throw new TypeError(
      `RedisSemaphore.setValue: the number of permits (${this.value}) is shared by every process and cannot be ` +
        `changed to ${typeof value === 'number' ? value : describe(value)}; use another key for another number`,
    );
  }

  /**
   * Whether this process cannot take one more permit without waiting (no round trip).
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * console.log(new RedisSemaphore(new Redis(), 'gpu', 2).isLocked()); // false
   * ```
   */
  isLocked(): boolean {
    return this.#local.isLocked();
  }

  /**
   * The permits free now across every process, asked of Redis (leases that ran out count as free).
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * console.log(await new RedisSemaphore(new Redis(), 'fresh-gpu', 2).freePermits()); // 2
   * ```
   */
  async freePermits(): Promise<number> {
    const api = 'RedisSemaphore.freePermits';
    await whenReady(this.redis, Number.POSITIVE_INFINITY, this.#options.unreachableTimeout, api);
    const leases = `semaphore:${this.key}`;
    await this.redis.zremrangebyscore(leases, '-inf', Date.now() - this.#options.lockTimeout);
    const count = await COUNT.run(this.redis, [this.key, leases], [KIND, `value=${this.value}`]);
    checkConflict(count, api, this.key, KIND);
    return Math.max(0, this.value - Number(count[1]));
  }

  /**
   * Runs `callback` holding `weight` permits, and gives them back afterwards (also when it throws).
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * const slots = new RedisSemaphore(new Redis(), 'gpu', 2);
   * const result = await slots.runExclusive(async (free) => `ran with ${free} left`);
   * ```
   */
  async runExclusive<T>(
    callback: SemaphoreInterface.Worker<T>,
    weight = 1,
    options?: number | AcquireOptions,
  ): Promise<T> {
    const [value, release] = await this.acquire(weight, options);
    try {
      return await callback(value);
    } finally {
      release();
    }
  }

  /**
   * Acquires `weight` permits for an `await using` block.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * const slots = new RedisSemaphore(new Redis(), 'gpu', 2);
   * {
   *   await using permit = await slots.guard(1, { timeout: 5000 });
   *   // at most 2 of these blocks run at once, across processes
   * }
   * ```
   */
  async guard(weight = 1, options?: number | AcquireOptions): Promise<Guard> {
    const [, release] = await this.acquire(weight, options);
    return { release, [Symbol.dispose]: release, [Symbol.asyncDispose]: async () => release() };
  }

  /**
   * Resolves once `weight` permits are free across every process (without taking them).
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * const slots = new RedisSemaphore(new Redis(), 'gpu', 2);
   * await slots.waitForUnlock(1, { timeout: 1000 });
   * ```
   */
  async waitForUnlock(weight = 1, options?: number | WaitOptions): Promise<void> {
    const api = 'RedisSemaphore.waitForUnlock';
    this.#checkWeight(weight, api);
    const wait = parseWait(options, api);
    const result = await waitFor(
      this.redis,
      this.#channel,
      async () => ((await this.freePermits()) >= weight ? { done: true, value: undefined } : { done: false }),
      wait.deadline,
      wait.signal,
    );
    if (!result) throw timeoutError(api, wait.timeout);
  }

  /**
   * Rejects every pending acquirer **of this process** with `async-mutex`'s `E_CANCELED`.
   *
   * @example
   * ```ts
   * import { Redis } from 'ioredis';
   * import { RedisSemaphore } from 'shared-sync/redis';
   * const slots = new RedisSemaphore(new Redis(), 'gpu', 1);
   * const pending = slots.acquire();
   * slots.cancel();
   * await pending.catch(() => console.log('cancelled (if it was still waiting)'));
   * ```
   */
  cancel(): void {
    this.#cancel.abort(E_CANCELED);
    this.#cancel = new AbortController();
    this.#local.cancel();
  }
}
