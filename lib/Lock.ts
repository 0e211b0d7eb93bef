/**
 * `Lock`: a mutual-exclusion lock shared by every thread that holds a handle to it.
 *
 * ## Memory layout (Int32 words from `byteOffset`)
 * | word | name  | meaning                                                        |
 * |------|-------|----------------------------------------------------------------|
 * | 0    | TAG   | kind tag (see `internal/shared.ts`)                            |
 * | 1    | STATE | the mutex word: holder id and state (below)                    |
 * | 2    | ID    | the lock's id in the thread registry (names, deadlock detection); written once |
 * | 3-19 | NAME  | its name: byte length, then 64 bytes of UTF-8 (`internal/deadlock.ts`); written once |
 *
 * STATE is the three-state mutex word of `internal/mutex.ts` (Drepper, "Futexes Are Tricky", 2011, mutex 2):
 * UNLOCKED 0 (free), LOCKED 1 (held, nobody parked), CONTENDED 2 (held, threads may be parked). Its state table,
 * transitions and the argument for why no release can miss a waiter are there. The uncontended acquire is one
 * compare-exchange and the release one exchange, which wakes only when it replaced CONTENDED. The word also
 * names the thread that took the lock, so that the lock of a thread that died holding it is taken over by the
 * next acquirer, who is told with {@link OwnerDiedError} (robust mutexes; see `internal/mutex.ts`).
 *
 * @module
 */

import { E_CANCELED, type MutexInterface } from 'async-mutex';
import { LockNotHeldError, OwnerDiedError, TimeoutError } from './errors';
import {
  acquiredInOrder,
  acquireInOrder,
  checkOrder,
  NAME_FIELD_WORDS,
  orderMode,
  othersWaitFor,
  readName,
  releasedInOrder,
} from './internal/deadlock';
import {
  handOverSpin,
  heldByMe,
  initMutex,
  type LockPlan,
  lockPlan,
  SYNC_WORD,
  spinLock,
  tryLock,
  tryLockOrTakeOver,
  UNLOCKED,
  unlock,
  waitForUnlockOrdered,
} from './internal/mutex';
import {
  guardOf,
  holdSync,
  ownerDied,
  parseMutexArgs,
  parseWait,
  runHolding,
  runHoldingSync,
  scopedAcquire,
} from './internal/options';
import {
  allocate,
  attach,
  defineKind,
  keepClassName,
  type Placement,
  registerReviver,
} from './internal/shared';
import { type Resource, type Turnstile, turnstileOf } from './internal/turnstile';
import { assertCanBlock, checkTimeout, deadlineOf, mayBlock, waitAsync, waitSync } from './internal/wait';
import type { AcquireOptions, Guard, MutexOptions, Releaser } from './options';

const KIND = defineKind('Lock', 1, 80);

const STATE = 1;
const ID = 2;
const NAME = 3;
const WORDS = NAME + NAME_FIELD_WORDS;

/** Marks the internal constructor call that views existing memory (not reachable by accident). */
const PLACED: unique symbol = Symbol('Lock.placed');

/** Hand-overs in a row to this thread's own waiters while another thread waits (see `Lock.release`). */
const HAND_OVER_BURST = 8;

/** `acquire()` without options, parsed once: the common call allocates nothing for them. */
const NO_OPTIONS = parseWait(undefined, 'Lock.acquire');

/**
 * A mutual-exclusion lock that works across worker threads: Python's `threading.Lock` /
 * `multiprocessing.Lock`, with `async-mutex`'s `Mutex` interface for async code.
 *
 * A `Lock` is not owned: any thread may release it, as in Python. Releasing a lock that is not held throws
 * {@link LockNotHeldError} and changes nothing (stricter than `async-mutex`, whose `release()` is then silent).
 *
 * Pass it to a worker in `workerData` or `postMessage` and rebuild it there with {@link Lock.from} or
 * {@link revive}; both sides then use the same lock.
 *
 * @example
 * ```ts
 * import { Lock } from 'shared-sync';
 * const lock = new Lock();
 *
 * // blocking, Python style (in a worker; on Node's main thread it blocks the event loop)
 * if (lock.acquireSync(100)) {
 *   try {
 *     // critical section
 *   } finally {
 *     lock.release();
 *   }
 * }
 *
 * // async, async-mutex style
 * await lock.runExclusive(async () => {
 *   // critical section
 * });
 * ```
 */
export class Lock implements MutexInterface {
  static {
    keepClassName(Lock, 'Lock');
  }

  /** The shared memory the lock lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link Lock.buffer} the lock lives. */
  readonly byteOffset: number;
  readonly #view: Int32Array;
  #turnstileCache: Turnstile | undefined;
  #cancelError: unknown = E_CANCELED;
  #plan: LockPlan | undefined;
  #keepPlan: LockPlan | undefined;
  #keepAsyncPlan: LockPlan | undefined;
  /** Hand-overs to this thread's own waiters since the last release through the shared word. */
  #handOvers = 0;
  /** `SYNC_WORD`: this thread's word for an uncontended take, or -1 where it may not block. */
  readonly #syncWord = SYNC_WORD;

  /** Bytes a `Lock` occupies in shared memory. */
  static readonly byteLength: number = KIND.byteLength;

  /**
   * Creates a new, unlocked lock in a fresh `SharedArrayBuffer`.
   *
   * @param options - `{ name, cancelError }`: the name shown in every thread's error messages about this
   *   lock, and what {@link Lock.cancel} rejects with. A bare `Error` is taken as the `cancelError`, so that
   *   `async-mutex`'s `new Mutex(cancelError)` works unchanged.
   * @throws TypeError for anything but an options object with a string `name` and an `Error` `cancelError`,
   *   or an `Error`.
   */
  constructor(options?: MutexOptions | Error);
  /** @internal Views the lock at `placement` (already initialized). */
  constructor(placed: typeof PLACED, placement: Placement);
  constructor(...args: unknown[]) {
    let placement: Placement;
    if (args[0] === PLACED) {
      placement = args[1] as Placement;
    } else {
      // A bare Error is async-mutex's `new Mutex(cancelError)`: taken as the cancelError, not as options.
      const { name, cancelError } = parseMutexArgs(args, 'Lock');
      this.#cancelError = cancelError ?? E_CANCELED;
      placement = allocate(KIND);
      initMutex(new Int32Array(placement.buffer, placement.byteOffset, WORDS), STATE, NAME, 'Lock', name);
    }
    this.buffer = placement.buffer;
    this.byteOffset = placement.byteOffset;
    this.#view = new Int32Array(this.buffer, this.byteOffset, WORDS);
  }

  /**
   * The lock's name (`new Lock({ name })`), or its generated label (`Lock#12`), the same in every thread.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * console.log(new Lock({ name: 'accounts' }).name); // accounts
   * ```
   */
  get name(): string {
    return readName(this.#view, NAME);
  }

  /**
   * Rebuilds a lock received from another thread (through `workerData` or `postMessage`).
   *
   * @param received - The structured clone of a `Lock` (or a `Lock` itself).
   * @throws TypeError when `received` is not a clone of a `Lock`, saying what it is instead.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const received: unknown = structuredClone(new Lock()); // what a worker finds in workerData
   * const lock = Lock.from(received);
   * lock.runExclusiveSync(() => console.log('in the critical section'));
   * ```
   */
  static from(received: unknown): Lock {
    return new Lock(PLACED, attach(KIND, received));
  }

  /**
   * Acquires the lock, blocking the thread until it is free or `timeout` ms have passed: Python's
   * `acquire(timeout=…)`.
   *
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever, `0` does not wait.
   * @returns `true` when the lock was acquired, `false` when the timeout ran out.
   * @throws RangeError for a negative, `NaN` or non-number timeout.
   * @throws {@link BlockingNotAllowedError} on a thread that may not block (a browser's main thread).
   * @throws {@link OwnerDiedError} when the lock was taken over from a thread that died holding it: the lock
   *   **is** held by the caller, who repairs what it protects and releases it.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * console.log(lock.acquireSync(), lock.acquireSync(50)); // true false (after 50 ms)
   * lock.release();
   * ```
   */
  acquireSync(timeout?: number): boolean {
    // The uncontended case, with no module binding loaded but the order mode: UNLOCKED (0) to this thread's word.
    const word = this.#syncWord;
    if (word > 0 && timeout === undefined && orderMode === 'off') {
      if (Atomics.compareExchange(this.#view, STATE, 0, word) === 0) return true;
      return this.#acquireContendedSync(undefined);
    }
    checkTimeout(timeout, 'Lock.acquireSync');
    if (!mayBlock) assertCanBlock('Lock.acquireSync', 'await lock.acquire()');
    if (orderMode !== 'off') return this.#acquireCheckedSync(timeout);
    if (tryLock(this.#view, STATE)) return true;
    return this.#acquireContendedSync(timeout);
  }

  #acquireCheckedSync(timeout: number | undefined): boolean {
    const id = Atomics.load(this.#view, ID);
    checkOrder(id, 'Lock.acquireSync');
    return acquireInOrder(id, true, () => tryLock(this.#view, STATE) || this.#acquireContendedSync(timeout));
  }

  #acquireContendedSync(timeout: number | undefined): boolean {
    if (timeout === 0) return this.#tryAcquire();
    const deadline = deadlineOf(timeout, 'Lock.acquireSync');
    if (spinLock(this.#view, STATE, deadline, handOverSpin)) return true;
    const plan = (this.#plan ??= lockPlan(this.#view, STATE, NAME, 'Lock.acquireSync', false));
    if (!waitSync(plan, deadline)) return false;
    if (plan.died !== 0) throw ownerDied('Lock.acquireSync', plan.died);
    return true;
  }

  /**
   * Acquires the lock if it is free, without waiting.
   *
   * @returns `true` when the lock was acquired.
   * @throws {@link OwnerDiedError} when the lock was taken over from a thread that died holding it (the caller
   *   holds it now).
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * console.log(lock.tryAcquire(), lock.tryAcquire()); // true false
   * ```
   */
  tryAcquire(): boolean {
    if (orderMode === 'off') return this.#tryAcquire();
    // A try-acquire cannot deadlock, so it records no ordering; what it holds orders later acquisitions.
    return acquireInOrder(Atomics.load(this.#view, ID), false, () => this.#tryAcquire());
  }

  #tryAcquire(): boolean {
    if (tryLock(this.#view, STATE)) return true;
    const taken = tryLockOrTakeOver(this.#view, STATE);
    if (typeof taken === 'number') throw ownerDied('Lock.tryAcquire', taken);
    return taken;
  }

  /**
   * @internal For `Condition`: reacquires by blocking, with no timeout. Never refused as a deadlock victim (a
   * wait must end holding its lock): another wait of the cycle is refused instead.
   */
  acquireRestoreSync(): void {
    if (tryLock(this.#view, STATE) || spinLock(this.#view, STATE)) return;
    const plan = (this.#keepPlan ??= lockPlan(this.#view, STATE, NAME, 'Condition.wait', false, true));
    waitSync(plan, Number.POSITIVE_INFINITY);
    if (plan.died !== 0) throw ownerDied('Condition.waitSync', plan.died);
  }

  /**
   * @internal Releases through the shared word, never handing the lock over to an async acquirer queued in this
   * thread: the tail of {@link Lock.release}, and what `Condition`'s sync waits call (the thread is about to
   * block, so that acquirer could not run, and the lock would stay taken for it: the wait's reacquire would
   * then block for good).
   */
  releaseForSyncWait(): void {
    if (unlock(this.#view, STATE) === UNLOCKED) {
      throw new LockNotHeldError('Lock.release: the lock is not held');
    }
    if (orderMode !== 'off') releasedInOrder(Atomics.load(this.#view, ID));
  }

  /** @internal For `Condition`: reacquires asynchronously, never refused as a deadlock victim. */
  async acquireRestore(): Promise<void> {
    if (tryLock(this.#view, STATE)) return;
    const plan = (this.#keepAsyncPlan ??= lockPlan(this.#view, STATE, NAME, 'Condition.wait', true, true));
    await waitAsync(plan, Number.POSITIVE_INFINITY);
    if (plan.died !== 0) throw ownerDied('Condition.wait', plan.died);
  }

  /**
   * Releases the lock. Any thread may release it, as in Python.
   *
   * @throws {@link LockNotHeldError} when the lock is not held; the lock is left unlocked, as it was.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * lock.acquireSync();
   * lock.release();
   * ```
   */
  release(): void {
    const turnstile = this.#turnstileCache;
    if (turnstile !== undefined && !turnstile.isEmpty() && this.#handOver(turnstile)) return;
    // The common case first: this thread held it uncontended (nobody parked), order checking off.
    const view = this.#view;
    if (orderMode === 'off' && Atomics.compareExchange(view, STATE, this.#syncWord, 0) === this.#syncWord)
      return;
    this.releaseForSyncWait(); // the release through the shared word
  }

  /**
   * A release in a thread whose own async acquirers are queued hands the lock straight to the first of them:
   * the lock stays locked and the waiter resumes in a microtask, as with `async-mutex`. Bounded bias: while a
   * waiter of another thread is known to wait (its wait is published, see `internal/deadlock.ts`), at most
   * `HAND_OVER_BURST` (8) hand-overs happen in a row; the next release goes through the shared word, where the
   * other thread competes on equal terms.
   */
  #handOver(turnstile: Turnstile): boolean {
    if (!heldByMe(this.#view, STATE)) return false;
    // Looked at every HAND_OVER_BURST-th hand-over, so a wait published at any time is seen within that many.
    if (this.#handOvers >= HAND_OVER_BURST) {
      this.#handOvers = 0;
      if (othersWaitFor(Atomics.load(this.#view, ID))) return false;
    }
    if (turnstile.handOver(1, 0) === 0) return false;
    this.#handOvers++;
    if (orderMode !== 'off') releasedInOrder(Atomics.load(this.#view, ID));
    return true;
  }

  /**
   * Whether the lock is held by any thread right now (Python's `locked()`). Another thread may change that
   * at any moment; use it for diagnostics, not to decide whether to acquire.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * lock.tryAcquire();
   * console.log(lock.isLocked()); // true
   * ```
   */
  isLocked(): boolean {
    return Atomics.load(this.#view, STATE) !== UNLOCKED;
  }

  /**
   * Acquires the lock without blocking the thread; resolves to a {@link Releaser} once it is held.
   *
   * Async acquirers of one thread are served by priority (higher first), FIFO within a priority; threads
   * compete with each other through the shared word. An uncontended acquire resolves at once.
   *
   * @param options - A priority (as in `async-mutex`), or `{ timeout, signal, priority }`.
   * @returns The releaser; calling it releases the lock (a second call does nothing).
   * @throws (rejects) {@link TimeoutError} when the timeout runs out, `signal.reason` when the signal aborts,
   *   `async-mutex`'s `E_CANCELED` after {@link Lock.cancel}; the lock is then not taken later.
   *   {@link OwnerDiedError} when the lock was taken over from a thread that died holding it: the lock **is**
   *   held by the caller, who repairs what it protects and calls {@link Lock.release}.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * const release = await lock.acquire({ timeout: 1000 });
   * try {
   *   // critical section
   * } finally {
   *   release();
   * }
   * ```
   */
  acquire(options?: number | AcquireOptions): Promise<Releaser> {
    if (options === undefined && orderMode === 'off') return this.#acquirePlain();
    let parsed: ReturnType<typeof parseWait>;
    try {
      parsed = options === undefined ? NO_OPTIONS : parseWait(options, 'Lock.acquire');
    } catch (err) {
      return Promise.reject(err);
    }
    if (parsed.signal?.aborted) return Promise.reject(parsed.signal.reason);
    const turnstile = this.#turnstile();
    if (orderMode !== 'off') {
      try {
        checkOrder(Atomics.load(this.#view, ID), 'Lock.acquire');
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (turnstile.isEmpty() && tryLock(this.#view, STATE)) {
      if (orderMode !== 'off') acquiredInOrder(Atomics.load(this.#view, ID), true);
      return Promise.resolve(this.#releaser());
    }
    return turnstile.acquire(parsed, 1, 'Lock.acquire', this.#granted);
  }

  /**
   * `acquire()` without options while order checking is off (async-mutex's common call, and the in-thread
   * contention path): the general path with its checks folded away.
   */
  #acquirePlain(): Promise<Releaser> {
    const turnstile = this.#turnstileCache ?? this.#turnstile();
    if (turnstile.isEmpty() && tryLock(this.#view, STATE)) return Promise.resolve(this.#releaser());
    return turnstile.enqueuePlain(NO_OPTIONS.priority, 1, this.#granted);
  }

  /** What a queued acquirer resolves to once the lock is taken (or handed over) for it. */
  readonly #granted = (died: number): Releaser => {
    if (orderMode !== 'off') acquiredInOrder(Atomics.load(this.#view, ID), true);
    if (died !== 0) throw ownerDied('Lock.acquire', died);
    return this.#releaser();
  };

  #releaser(): Releaser {
    // onceReleaser's contract, written out: one closure per acquire instead of two.
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  #turnstile(): Turnstile {
    if (this.#turnstileCache) return this.#turnstileCache;
    const view = this.#view;
    const plan = lockPlan(view, STATE, NAME, 'Lock.acquire', true);
    const resource: Resource = {
      view,
      index: STATE,
      attempt: () => plan.attempt(),
      leave: plan.leave,
      giveBack: () => this.release(),
      takeResult: () => plan.died,
      recheckAt: () => plan.recheckAt,
      watchesDeaths: true,
    };
    this.#turnstileCache = turnstileOf(this.buffer, this.byteOffset, () => resource);
    return this.#turnstileCache;
  }

  /**
   * Runs `callback` while holding the lock (acquired asynchronously) and releases it afterwards, also when the
   * callback throws or rejects: the async form of Python's `with lock:`.
   *
   * @param callback - The critical section; may be async.
   * @param options - A priority, or `{ timeout, signal, priority }` for the acquire.
   * @returns What `callback` returned.
   * @throws {@link OwnerDiedError} when the holder died holding the lock: the callback did not run, the lock
   *   was released again, and a retry works.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * const value = await lock.runExclusive(async () => 42);
   * console.log(value); // 42
   * ```
   */
  runExclusive<T>(callback: MutexInterface.Worker<T>, options?: number | AcquireOptions): Promise<T> {
    return runHolding(scopedAcquire(this.acquire(options), this), callback);
  }

  /**
   * Runs `callback` while holding the lock (acquired by blocking) and releases it afterwards, also when it
   * throws: Python's `with lock:`.
   *
   * @param callback - The critical section.
   * @param timeout - Milliseconds to wait for the lock at most.
   * @returns What `callback` returned.
   * @throws {@link OwnerDiedError} when the holder died holding the lock: the callback did not run, the lock
   *   was released again, and a retry works.
   * @throws {@link TimeoutError} when the lock could not be acquired in time (the callback did not run).
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * const shared = new Int32Array(new SharedArrayBuffer(4));
   * lock.runExclusiveSync(() => {
   *   shared[0] += 1; // read-modify-write made safe by the lock
   * });
   * ```
   */
  runExclusiveSync<T>(callback: () => T, timeout?: number): T {
    return runHoldingSync(this, callback, timeout, 'Lock.runExclusiveSync');
  }

  /**
   * Acquires the lock by blocking and returns a {@link Guard} that releases it at the end of a `using` block.
   *
   * @param timeout - Milliseconds to wait at most.
   * @throws {@link TimeoutError} when the lock could not be acquired in time.
   * @throws {@link OwnerDiedError} when the holder died holding the lock: no guard is returned, the
   *   lock was released again, and a retry works.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * {
   *   using _held = lock.guardSync();
   *   // critical section; released when the block ends
   * }
   * ```
   */
  guardSync(timeout?: number): Guard {
    return holdSync(this, timeout, 'Lock.guardSync');
  }

  /**
   * Acquires the lock asynchronously and resolves to a {@link Guard} for `await using`.
   *
   * @param options - A priority, or `{ timeout, signal, priority }`.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * {
   *   await using _held = await lock.guard();
   *   // critical section; released when the block ends
   * }
   * ```
   */
  async guard(options?: number | AcquireOptions): Promise<Guard> {
    return guardOf(await scopedAcquire(this.acquire(options), this));
  }

  /**
   * Resolves once the lock is observed unlocked, without acquiring it (`async-mutex`'s `waitForUnlock`).
   * Another thread may take the lock again right after.
   *
   * The priority orders it against this thread's queued acquirers as in `async-mutex`: it resolves only when
   * no acquirer of this thread with the same or a higher priority is queued (those go first), and a release
   * that hands the lock to a queued acquirer of a *lower* priority resolves it first. Acquirers of other
   * threads are not ordered against it.
   *
   * @param options - A priority (default 0), or `{ timeout, signal, priority }`.
   * @throws (rejects) {@link TimeoutError} or `signal.reason`.
   *
   * @example
   * ```ts
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * await lock.waitForUnlock(); // resolves at once: nobody holds it
   * ```
   */
  waitForUnlock(options?: number | AcquireOptions): Promise<void> {
    return waitForUnlockOrdered(this.#view, STATE, this.#turnstile(), options, 'Lock.waitForUnlock');
  }

  /**
   * Rejects every pending async acquirer *of this thread* with `async-mutex`'s `E_CANCELED` (or the
   * `cancelError` this handle was created with), as `Mutex.cancel()` does. Holders and other threads' waiters
   * are not affected.
   *
   * @example
   * ```ts
   * import { E_CANCELED } from 'async-mutex';
   * import { Lock } from 'shared-sync';
   * const lock = new Lock();
   * lock.tryAcquire();
   * const pending = lock.acquire();
   * lock.cancel();
   * await pending.catch((err) => console.log(err === E_CANCELED)); // true
   * ```
   */
  cancel(): void {
    this.#turnstile().cancel(this.#cancelError);
  }
}

registerReviver(KIND, (received) => Lock.from(received));
