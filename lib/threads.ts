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
