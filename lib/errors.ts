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

/**
 * The acquire that takes over a lock whose holder died holding it: the acquire **succeeded** (the caller now
 * holds the lock) and reports that what the lock protects may be half-updated, as POSIX's `EOWNERDEAD` does for
 * a robust mutex. Repair the protected state, then release the lock as usual. Exactly one acquirer is told per
 * death; later acquirers see a normal lock.
 *
 * The scoped forms (`runExclusive`, `runExclusiveSync`, the guards) do not run their callback on such a lock:
 * they release it and throw this error, so that a retry works.
 *
 * A holder counts as dead once its end was recorded: in Node, automatically when a worker created by a thread
 * that has loaded the library ends (`terminate()`, an uncaught exception, `process.exit()`, returning from its
 * script); elsewhere through `reportThreadExit()`.
 *
 * @example
 * ```ts
 * import { Lock, OwnerDiedError } from 'shared-sync';
 * const lock = new Lock();
 * try {
 *   lock.acquireSync();
 * } catch (err) {
 *   if (!(err instanceof OwnerDiedError)) throw err;
 *   console.log(`thread ${err.threadId} died holding the lock; repairing`);
 *   // … repair what the lock protects …
 * }
 * lock.release();
 * ```
 */
export class OwnerDiedError extends SharedSyncError {
  /** The dead holder's thread id (Node's `worker.threadId`; see `getThreadId()`). */
  readonly threadId: number;
  constructor(message: string, threadId: number) {
    super(message);
    this.threadId = threadId;
  }
}

/**
 * One thread of a deadlock cycle (see {@link DeadlockError.cycle}).
 *
 * @example
 * ```ts
 * import type { DeadlockLink } from 'shared-sync';
 * const link: DeadlockLink = { threadId: 1, holds: 'accounts', waitsFor: 'audit', async: false };
 * console.log(`thread ${link.threadId} holds ${link.holds}, waits for ${link.waitsFor}`);
 * ```
 */
export interface DeadlockLink {
  /** The thread (Node's `threadId`; see `getThreadId()`). */
  readonly threadId: number;
  /** The lock it holds that the previous thread of the cycle waits for (its name or generated label). */
  readonly holds: string;
  /** The lock it waits for, held by the next thread of the cycle. */
  readonly waitsFor: string;
  /** Whether its wait is an async acquire (see the Limits guide on how async waits count). */
  readonly async: boolean;
}

/**
 * Thrown (sync) or rejected (async) by a blocking acquire of a `Lock` or `RLock` that would close a cycle of
 * threads, each waiting for a lock held by the next: instead of hanging, the wait that closes the cycle fails.
 * The caller does not get the lock, and what it already holds stays held: release it (a `finally` block does) and
 * the other threads of the cycle go on. The message and {@link DeadlockError.cycle} name every thread of the
 * cycle, the lock it holds and the lock it waits for.
 *
 * @example
 * ```ts
 * import { DeadlockError, Lock } from 'shared-sync';
 * const accounts = new Lock({ name: 'accounts' });
 * try {
 *   accounts.acquireSync();
 * } catch (err) {
 *   if (err instanceof DeadlockError) console.log(err.cycle.map((link) => link.threadId));
 * }
 * ```
 */
export class DeadlockError extends SharedSyncError {
  /** The cycle, starting with the thread that got this error. */
  readonly cycle: readonly DeadlockLink[];
  constructor(message: string, cycle: readonly DeadlockLink[]) {
    super(message);
    this.cycle = cycle;
  }
}

/**
 * Thrown by an acquire, before it waits, when lock-order checking is `'throw'` (see `setLockOrderChecking`) and
 * the acquisition inverts an order recorded earlier in any thread: this thread holds A and acquires B, while
 * some thread once acquired A while holding B. Nothing deadlocked yet; two threads doing that at the same time
 * would. The message names both locks, both threads and both acquisition sites.
 *
 * @example
 * ```ts
 * import { LockOrderError } from 'shared-sync';
 * const err = new LockOrderError('example', { held: 'a', acquiring: 'b', otherThreadId: 2 });
 * console.log(err instanceof LockOrderError, err.held, err.acquiring); // true a b
 * ```
 */
export class LockOrderError extends SharedSyncError {
  /** The lock this thread held. */
  readonly held: string;
  /** The lock it was acquiring. */
  readonly acquiring: string;
  /** The thread that recorded the opposite order. */
  readonly otherThreadId: number;
  constructor(message: string, detail: { held: string; acquiring: string; otherThreadId: number }) {
    super(message);
    this.held = detail.held;
    this.acquiring = detail.acquiring;
    this.otherThreadId = detail.otherThreadId;
  }
}

/**
 * Thrown by the `shared-sync/redis` primitives when Redis cannot be reached (connection refused, closed or
 * lost) within the call's timeout, or within `unreachableTimeout` when the call has none. A put that fails
 * this way may or may not have been applied, as with any network call whose reply never came.
 *
 * @example
 * ```ts
 * import { RedisUnavailableError } from 'shared-sync';
 * const err = new RedisUnavailableError('RedisLock.acquire: Redis is unreachable (connection closed)');
 * console.log(err instanceof RedisUnavailableError); // true
 * ```
 */
export class RedisUnavailableError extends SharedSyncError {}

/**
 * Thrown by the `shared-sync/redis` primitives when their key already holds something else: another kind of
 * primitive (a `RedisQueue` where a `RedisEvent` is asked for), the same kind created with other parameters
 * (another `maxsize`), or a Redis value this library did not write. Nothing is changed.
 *
 * @example
 * ```ts
 * import { RedisKeyConflictError } from 'shared-sync';
 * const err = new RedisKeyConflictError('RedisEvent: key "jobs" holds a RedisQueue');
 * console.log(err instanceof RedisKeyConflictError); // true
 * ```
 */
export class RedisKeyConflictError extends SharedSyncError {}
