/**
 * Threads as the library sees them: this thread's id, and how to report a thread's end where nothing observes
 * it automatically.
 *
 * In Node the library watches every worker created by a thread that has loaded it, and records the worker's end
 * whichever way it came (`terminate()`, an uncaught exception, `process.exit()`, returning from its script).
 * What the dead thread held is then recovered: the next acquirer of a lock it held takes it over and is told
 * with {@link OwnerDiedError}. Where no such event exists (a browser's `Worker`, a worker created by a thread that
 * never loaded the library, a runtime without `process.on('worker')`), call {@link reportThreadExit} with the id
 * the ended thread had ({@link getThreadId}, sent to you while it ran).
 *
 * @module
 */

// For the documentation links.
import type { LockOrderError, OwnerDiedError } from './errors';
import { type LockOrderMode, orderMode, setOrderMode } from './internal/deadlock';
import { recordDeath } from './internal/registry';
import { currentThreadId } from './internal/thread';

/**
 * This thread's id as the library records it in the locks it holds: Node's `worker_threads.threadId` (0 on
 * the main thread), or a random id drawn once per thread where there is none (a browser).
 *
 * @example
 * ```ts
 * import { getThreadId } from 'shared-sync';
 * console.log(getThreadId()); // 0 on Node's main thread
 * ```
 */
export function getThreadId(): number {
  return currentThreadId - 1;
}

/**
 * Records that the thread with id `threadId` has ended, so that what it held is recovered: waiters on a lock it
 * held wake, and the one that takes the lock over is told with {@link OwnerDiedError}. Needed only where the
 * library cannot see the end itself (see the module notes); reporting a thread twice does nothing.
 *
 * Never report a thread that is still running: another thread would take over a lock it holds.
 *
 * @param threadId - The ended thread's id, as {@link getThreadId} returned in that thread (in Node, also the
 *   `worker.threadId` read while the worker ran).
 * @throws RangeError when `threadId` is not a non-negative integer, or is the calling thread's own id.
 *
 * @example
 * ```ts
 * import { reportThreadExit } from 'shared-sync';
 * // A browser page: the worker sent its getThreadId() when it started.
 * const workerThreadId = 7;
 * // worker.terminate();
 * reportThreadExit(workerThreadId);
 * ```
 */
export function reportThreadExit(threadId: number): void {
  if (!Number.isSafeInteger(threadId) || threadId < 0 || threadId + 1 >= 2 ** 29) {
    throw new RangeError(
      `reportThreadExit: threadId must be a non-negative integer thread id, got ${threadId}`,
    );
  }
  if (threadId + 1 === currentThreadId) {
    throw new RangeError(`reportThreadExit: ${threadId} is the calling thread's own id`);
  }
  recordDeath(threadId + 1);
}

/**
 * Turns lock-order checking on or off (off by default), for tests and development: every acquisition of a
 * `Lock` or `RLock` made while holding others records the pairs "held A while acquiring B", across all threads,
 * and the first acquisition that inverts a recorded pair is reported even though nothing deadlocked yet, as
 * Abseil's mutex and Linux's lockdep do.
 *
 * - `'warn'`: one `process.emitWarning` (type `LockOrderWarning`) per inverted pair, naming both locks, both
 *   threads and both acquisition sites;
 * - `'throw'`: the inverting acquire throws (or rejects with) {@link LockOrderError} before it waits;
 * - `'off'`: nothing is recorded; checking then costs one branch per acquisition.
 *
 * The mode applies to the calling thread at once and to threads started after the call. To check every thread
 * from its start, set the environment variable `SHARED_SYNC_LOCK_ORDER=warn` (or `throw`). Reentrant `RLock`
 * acquisitions are not orderings; try-acquires record no pair (they cannot deadlock) but what they hold orders
 * later acquisitions. Up to 1,024 pairs are recorded; after that, one warning says the table is full.
 *
 * @param mode - `'off'`, `'warn'` or `'throw'`.
 * @throws TypeError for any other value.
 *
 * @example
 * ```ts
 * import { Lock, LockOrderError, setLockOrderChecking } from 'shared-sync';
 * setLockOrderChecking('throw');
 * const a = new Lock({ name: 'a' });
 * const b = new Lock({ name: 'b' });
 * a.runExclusiveSync(() => b.runExclusiveSync(() => {})); // records "a, then b"
 * try {
 *   b.runExclusiveSync(() => a.runExclusiveSync(() => {})); // "b, then a": an inversion
 * } catch (err) {
 *   console.log(err instanceof LockOrderError); // true
 * }
 * setLockOrderChecking('off');
 * ```
 */
export function setLockOrderChecking(mode: LockOrderMode): void {
  if (mode !== 'off' && mode !== 'warn' && mode !== 'throw') {
    throw new TypeError(`setLockOrderChecking: mode must be 'off', 'warn' or 'throw', got ${String(mode)}`);
  }
  setOrderMode(mode);
}

/**
 * The calling thread's lock-order checking mode (see {@link setLockOrderChecking}).
 *
 * @example
 * ```ts
 * import { getLockOrderChecking } from 'shared-sync';
 * console.log(getLockOrderChecking()); // 'off' unless SHARED_SYNC_LOCK_ORDER is set
 * ```
 */
export function getLockOrderChecking(): LockOrderMode {
  return orderMode;
}

export type { LockOrderMode };
