/**
 * Every error class the library throws on purpose.
 *
 * All of them extend {@link SharedSyncError}, so `err instanceof SharedSyncError` tells the library's own
 * errors apart from bugs. Bad arguments are the exception: they throw the built-in `TypeError` or
 * `RangeError`, with a message that starts with the API's name and names the parameter.
 *
 * @module
 */

/**
 * The base class of every error the library throws on purpose.
 *
 * @example
 * ```ts
 * import { Lock, SharedSyncError } from 'shared-sync';
 * try {
 *   new Lock().release();
 * } catch (err) {
 *   console.log(err instanceof SharedSyncError); // true
 * }
 * ```
 */
export class SharedSyncError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown when a lock is released that is not held: `Lock.release()` on an unlocked lock, an `RLock`
 * released by a thread that does not own it or more often than it was acquired, or a `Condition`
 * waited on or notified without holding its lock. Python raises `RuntimeError` in these cases.
 *
 * The lock is left exactly as it was.
 *
 * @example
 * ```ts
 * import { Lock, LockNotHeldError } from 'shared-sync';
 * const lock = new Lock();
 * try {
 *   lock.release();
 * } catch (err) {
 *   console.log(err instanceof LockNotHeldError, lock.isLocked()); // true false
 * }
 * ```
 */
export class LockNotHeldError extends SharedSyncError {}

/**
 * Thrown by the async forms when their `timeout` runs out before they could complete, where no boolean
 * result fits (`acquire()` resolves to a releaser, so it cannot resolve to `false`).
 * The sync forms return `false` instead, as Python does.
 *
 * @example
 * ```ts
 * import { Lock, TimeoutError } from 'shared-sync';
 * const lock = new Lock();
 * lock.tryAcquire();
 * await lock.acquire({ timeout: 10 }).catch((err) => console.log(err instanceof TimeoutError)); // true
 * ```
 */
export class TimeoutError extends SharedSyncError {
  /** How long the call waited, in milliseconds. */
  readonly timeout: number;
  constructor(message: string, timeout: number) {
    super(message);
    this.timeout = timeout;
  }
}

/**
 * Thrown by a blocking (`…Sync`) call on a thread where blocking is forbidden, such as a browser's main
 * thread, where `Atomics.wait` is not allowed. The message names the async form to use instead.
 *
 * @example
 * ```ts
 * import { BlockingNotAllowedError, Lock } from 'shared-sync';
 * try {
 *   new Lock().acquireSync();
 * } catch (err) {
 *   if (err instanceof BlockingNotAllowedError) console.log(err.message); // names `await lock.acquire()`
 * }
 * ```
 */
export class BlockingNotAllowedError extends SharedSyncError {}

/**
 * Thrown when a primitive is created where `SharedArrayBuffer` does not exist: in a browser, a page (and its
 * workers) that is not cross-origin isolated. The message names the two response headers the page's document
 * must be served with, `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp` (or `credentialless`); `globalThis.crossOriginIsolated` tells
 * whether they took effect.
 *
 * @example
 * ```ts
 * import { Lock, SharedMemoryUnavailableError } from 'shared-sync';
 * try {
 *   new Lock();
 * } catch (err) {
 *   // Only on a page served without the two headers; in Node and on an isolated page the Lock is created.
 *   if (err instanceof SharedMemoryUnavailableError) console.log(err.message);
 * }
 * ```
 */
export class SharedMemoryUnavailableError extends SharedSyncError {}

/**
 * Thrown by `BoundedSemaphore.release()` when the release would raise the counter above its initial value,
 * as Python raises `ValueError("Semaphore released too many times")`. The counter is left unchanged.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore, SemaphoreOverflowError } from 'shared-sync';
 * const sem = new BoundedSemaphore(1);
 * try {
 *   sem.release();
 * } catch (err) {
 *   console.log(err instanceof SemaphoreOverflowError, sem.getValue()); // true 1
 * }
 * ```
 */
export class SemaphoreOverflowError extends SharedSyncError {}

/**
 * Thrown to every thread waiting at a `Barrier` that is broken: by `abort()`, by `reset()` while threads
 * wait, by a waiter's timeout or abort signal, or by an `action` that threw. Python's
 * `threading.BrokenBarrierError`.
 *
 * @example
 * ```ts
 * import { Barrier, BrokenBarrierError } from 'shared-sync';
 * const barrier = new Barrier(2);
 * barrier.abort();
 * await barrier.wait().catch((err) => console.log(err instanceof BrokenBarrierError)); // true
 * ```
 */
export class BrokenBarrierError extends SharedSyncError {}

/**
 * Thrown by `putNowait()`, and by `put()`/`putSync()` whose timeout ran out, when the queue is full.
 * Python's `queue.Full`.
 *
 * @example
 * ```ts
 * import { Queue, QueueFullError } from 'shared-sync';
 * const queue = new Queue<number>({ maxsize: 1 });
 * queue.putNowait(1);
 * try {
 *   queue.putNowait(2);
 * } catch (err) {
 *   console.log(err instanceof QueueFullError); // true
 * }
 * ```
 */
export class QueueFullError extends SharedSyncError {}

/**
 * Thrown by `getNowait()`, and by `get()`/`getSync()` whose timeout ran out, when the queue is empty.
 * Python's `queue.Empty`.
 *
 * @example
 * ```ts
 * import { Queue, QueueEmptyError } from 'shared-sync';
 * try {
 *   new Queue<number>().getNowait();
 * } catch (err) {
 *   console.log(err instanceof QueueEmptyError); // true
 * }
 * ```
 */
export class QueueEmptyError extends SharedSyncError {}

/**
 * Thrown by `put` on a closed queue, and by `get` on a closed queue once it is drained.
 *
 * @example
 * ```ts
 * import { Queue, QueueClosedError } from 'shared-sync';
 * const queue = new Queue<number>();
 * queue.close();
 * try {
 *   queue.putNowait(1);
 * } catch (err) {
 *   console.log(err instanceof QueueClosedError); // true
 * }
 * ```
 */
export class QueueClosedError extends SharedSyncError {}

/**
 * Thrown by `JoinableQueue.taskDone()` when it is called more times than items were put, as Python raises
 * `ValueError("task_done() called too many times")`. Nothing is changed.
 *
 * @example
 * ```ts
 * import { JoinableQueue, TaskDoneError } from 'shared-sync';
 * try {
 *   new JoinableQueue<number>().taskDone();
 * } catch (err) {
 *   console.log(err instanceof TaskDoneError); // true
 * }
 * ```
 */
export class TaskDoneError extends SharedSyncError {}

/**
 * Thrown by the cancellable flag's `throwIfCancelled()` once the flag has been cancelled in any thread.
 *
 * @example
 * ```ts
 * import { CancelFlag, CancelledError } from 'shared-sync';
 * const flag = new CancelFlag();
 * flag.cancel();
 * try {
 *   flag.throwIfCancelled();
 * } catch (err) {
 *   console.log(err instanceof CancelledError); // true
 * }
 * ```
 */
export class CancelledError extends SharedSyncError {}
