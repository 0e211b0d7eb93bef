/**
 * Option and result types shared by the primitives.
 *
 * @module
 */

/**
 * Options of every async wait: how long to wait and what may cancel it.
 *
 * @example
 * ```ts
 * import { Event } from 'shared-sync';
 * const ready = new Event();
 * const set = await ready.wait({ timeout: 100, signal: AbortSignal.timeout(1000) });
 * console.log(set); // false: nobody set it within 100 ms
 * ```
 */
export interface WaitOptions {
  /**
   * Milliseconds to wait at most. Omitted or `Infinity` waits forever; negative or `NaN` is a `RangeError`.
   * @defaultValue `Infinity`
   */
  timeout?: number;
  /** Cancels the wait: the promise rejects with `signal.reason`, and nothing is acquired later. */
  signal?: AbortSignal;
}

/**
 * Options of an async acquire: a {@link WaitOptions} plus the priority among this thread's waiters.
 *
 * @example
 * ```ts
 * import { Lock } from 'shared-sync';
 * const lock = new Lock();
 * const release = await lock.acquire({ timeout: 1000, priority: 10 });
 * release();
 * ```
 */
export interface AcquireOptions extends WaitOptions {
  /**
   * Among the async acquirers of one thread, higher priorities are served first, FIFO within a priority
   * (as in `async-mutex`). Threads are not ordered against each other.
   * @defaultValue 0
   */
  priority?: number;
}

/**
 * Releases what an async acquire took. Calling it a second time does nothing, so a releaser can never release
 * somebody else's acquisition.
 *
 * @example
 * ```ts
 * import { Lock, type Releaser } from 'shared-sync';
 * const lock = new Lock();
 * const release: Releaser = await lock.acquire();
 * release();
 * release(); // does nothing: the acquisition was already released
 * ```
 */
export type Releaser = () => void;

/**
 * Holds an acquisition for a scope: `using` (sync) or `await using` (async) releases it at the end of the
 * block, also when the block throws. `release()` does the same by hand; releasing twice does nothing.
 *
 * @example
 * ```ts
 * import { Lock } from 'shared-sync';
 * const lock = new Lock();
 * {
 *   using held = lock.guardSync();
 *   console.log(lock.isLocked()); // true
 * }
 * console.log(lock.isLocked()); // false
 * ```
 */
export interface Guard extends Disposable, AsyncDisposable {
  /** Releases the acquisition (at most once). */
  release(): void;
}

/**
 * Options of a new {@link Lock} or {@link RLock}.
 *
 * @example
 * ```ts
 * import { Lock, RLock } from 'shared-sync';
 * const accounts = new Lock({ name: 'accounts' });
 * const audit = new RLock({ name: 'audit' });
 * console.log(accounts.name, audit.name); // accounts audit
 * ```
 */
export interface MutexOptions {
  /**
   * A name shown in every thread's error messages about the lock (`DeadlockError`, `LockOrderError`, lock-order
   * warnings). At most 64 bytes of UTF-8 are kept. Unnamed locks get a stable generated label (`Lock#12`).
   */
  name?: string;
  /**
   * What `cancel()` rejects this handle's pending acquirers with, as `async-mutex`'s `new Mutex(cancelError)`.
   * It stays with this handle (an error cannot travel to other threads in shared memory); a handle rebuilt with
   * `from()` uses `async-mutex`'s `E_CANCELED`.
   * @defaultValue `E_CANCELED`
   */
  cancelError?: Error;
}

/**
 * Options of `new Semaphore(value, options)` and `new BoundedSemaphore(value, options)`.
 *
 * @example
 * ```ts
 * import { Semaphore } from 'shared-sync';
 * const cancelError = new Error('shutting down');
 * const sem = new Semaphore(0, { cancelError });
 * const pending = sem.acquire();
 * sem.cancel();
 * await pending.catch((err) => console.log(err === cancelError)); // true
 * ```
 */
export interface SemaphoreOptions {
  /**
   * What `cancel()` rejects this handle's pending acquirers with, as `async-mutex`'s
   * `new Semaphore(value, cancelError)`. It stays with this handle; a handle rebuilt with `from()` uses
   * `async-mutex`'s `E_CANCELED`.
   * @defaultValue `E_CANCELED`
   */
  cancelError?: Error;
}
