/**
 * `RLock`: a reentrant lock, owned by the thread that acquired it.
 *
 * ## Memory layout (Int32 words from `byteOffset`)
 * | word | name  | meaning                                                                    |
 * |------|-------|----------------------------------------------------------------------------|
 * | 0    | TAG   | kind tag (see `internal/shared.ts`)                                        |
 * | 1    | STATE | the mutex word of `internal/mutex.ts` (holder id + UNLOCKED / LOCKED / CONTENDED) |
 * | 2    | ID    | the lock's id in the thread registry (names, deadlock detection); written once |
 * | 3    | —     | unused, always 0 (it held the owner's id; STATE names the owner)            |
 * | 4    | EXTRA | how many times the owner has acquired it without releasing, minus one; 0 when free |
 * | 5-21 | NAME  | its name: byte length, then 64 bytes of UTF-8 (`internal/deadlock.ts`); written once |
 *
 * ## States
 * | STATE                   | EXTRA  | meaning                                          |
 * |-------------------------|--------|--------------------------------------------------|
 * | UNLOCKED                | 0      | free                                             |
 * | t, LOCKED or CONTENDED  | d − 1  | held by thread t, acquired d ≥ 1 times           |
 *
 * The mutual exclusion is the three-state mutex word (Drepper, "Futexes Are Tricky"), which also names the
 * thread that holds it (`internal/mutex.ts`): the owner is read from STATE. "Is it me?" cannot be answered yes
 * wrongly: STATE takes the caller's id only by the caller's own compare-exchange, or by a waiter's that marks
 * it CONTENDED while the caller holds it, and a thread never reads a value older than its own last write (its
 * release). EXTRA is written only by the thread that holds STATE, as CPython's `_PyRLock` keeps its count over
 * its plain lock, and it is 0 whenever STATE is released (a release at depth 1 finds it 0; `releaseSave`
 * clears it first): so a plain acquire writes nothing but STATE, and the uncontended acquire and release are one
 * compare-exchange and one exchange, as {@link Lock}'s, plus loads of a cache line the holder already has. (The
 * owner's id used to be kept in a word of its own, written on every acquire and release: under contention each
 * such store fetched the line back from the spinning waiter's core.)
 *
 * A thread that died owning the lock is recognised from STATE and the lock taken over by the next acquirer,
 * who then owns it at depth 1 (it writes EXTRA, which the dead owner may have left above 0) and is told with
 * {@link OwnerDiedError}.
 *
 * EXTRA is therefore a plain (non-`Atomics`) cell. That is sound under the JavaScript memory model: aligned
 * Int32 accesses do not tear, and the holder's writes are ordered before the next holder's reads by the
 * sequentially consistent exchange and compare-exchange on STATE.
 *
 * ## Ownership and async code
 * The owner is a *thread*: the main thread and each worker are distinct owners. All async tasks of one thread
 * share its ownership, exactly as all coroutines of a Python thread share a `threading.RLock`: an async
 * `acquire()` in a thread that already owns the lock re-enters at once. An `RLock` therefore excludes threads, not
 * the async tasks of one thread; use a {@link Lock} to exclude async tasks from each other. What is enforced is
 * the owner's part: only the owning thread may release, and never more often than it acquired.
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
  readName,
  releasedInOrder,
} from './internal/deadlock';
import {
  heldByMe,
  holderOf,
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
  onceReleaser,
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
import { currentThreadId } from './internal/thread';
import { type Resource, type Turnstile, tookOver, turnstileOf } from './internal/turnstile';
import { assertCanBlock, checkTimeout, deadlineOf, mayBlock, waitAsync, waitSync } from './internal/wait';
import type { AcquireOptions, Guard, MutexOptions, Releaser } from './options';

const KIND = defineKind('RLock', 2, 88);

const STATE = 1;
const ID = 2;
const EXTRA = 4;
const NAME = 5;
const WORDS = NAME + NAME_FIELD_WORDS;

/** Marks the internal constructor call that views existing memory (not reachable by accident). */
const PLACED: unique symbol = Symbol('RLock.placed');

/**
 * A reentrant lock that works across worker threads: Python's `threading.RLock` / `multiprocessing.RLock`.
 *
 * The thread that acquired it may acquire it again; it is released when the owner has released it as many
 * times as it acquired it. Only the owner may release it: another thread's `release()` throws
 * {@link LockNotHeldError} and changes nothing. All async tasks of one thread share the thread's ownership
 * (see the module notes), so an `RLock` excludes threads, not the async tasks of one thread.
 *
 * @example
 * ```ts
 * import { RLock } from 'shared-sync';
 * const lock = new RLock();
 * function transfer(): void {
 *   lock.runExclusiveSync(() => audit()); // re-enters: the thread already owns it
 * }
 * function audit(): void {
 *   lock.runExclusiveSync(() => console.log('depth', lock.getDepth())); // depth 2
 * }
 * lock.runExclusiveSync(transfer);
 * ```
 */
export class RLock implements MutexInterface {
  static {
    keepClassName(RLock, 'RLock');
  }

  /** The shared memory the lock lives in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link RLock.buffer} the lock lives. */
  readonly byteOffset: number;
  readonly #view: Int32Array;
  #turnstileCache: Turnstile | undefined;
  #cancelError: unknown = E_CANCELED;
  #plan: LockPlan | undefined;
  #keepPlan: LockPlan | undefined;
  #keepAsyncPlan: LockPlan | undefined;
  /** `SYNC_WORD`: this thread's word for an uncontended take, or -1 where it may not block. */
  readonly #syncWord = SYNC_WORD;

  /** Bytes an `RLock` occupies in shared memory. */
  static readonly byteLength: number = KIND.byteLength;

  /**
   * Creates a new, unlocked reentrant lock in a fresh `SharedArrayBuffer`.
   *
   * @param options - `{ name, cancelError }`: the name shown in every thread's error messages about this
   *   lock, and what {@link RLock.cancel} rejects with. A bare `Error` is taken as the `cancelError`, so that
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
      const { name, cancelError } = parseMutexArgs(args, 'RLock');
      this.#cancelError = cancelError ?? E_CANCELED;
      placement = allocate(KIND);
      initMutex(new Int32Array(placement.buffer, placement.byteOffset, WORDS), STATE, NAME, 'RLock', name);
    }
    this.buffer = placement.buffer;
    this.byteOffset = placement.byteOffset;
    this.#view = new Int32Array(this.buffer, this.byteOffset, WORDS);
  }

  /**
   * The lock's name (`new RLock({ name })`), or its generated label (`RLock#12`), the same in every thread.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * console.log(new RLock({ name: 'audit' }).name); // audit
   * ```
   */
  get name(): string {
    return readName(this.#view, NAME);
  }

  /**
   * Rebuilds a reentrant lock received from another thread.
   *
   * @param received - The structured clone of an `RLock` (or an `RLock` itself).
   * @throws TypeError when `received` is not a clone of an `RLock`, saying what it is instead.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = RLock.from(structuredClone(new RLock()));
   * console.log(lock.isLocked()); // false
   * ```
   */
  static from(received: unknown): RLock {
    return new RLock(PLACED, attach(KIND, received));
  }

  #ownedByMe(): boolean {
    return heldByMe(this.#view, STATE);
  }

  /**
   * Sets the depth of the hold this thread just took. Only needed where EXTRA may not be 0: a take-over from a
   * dead owner, or a depth above 1; a plain take finds it 0 (see the module notes).
   */
  #own(depth: number): void {
    this.#view[EXTRA] = depth - 1;
  }

  /**
   * Acquires the lock, blocking until it is free or `timeout` ms have passed; re-enters at once when this
   * thread already owns it.
   *
   * @param timeout - Milliseconds to wait at most; omitted or `Infinity` waits forever, `0` does not wait.
   * @returns `true` when acquired (or re-entered), `false` when the timeout ran out.
   * @throws RangeError for a negative, `NaN` or non-number timeout.
   * @throws {@link BlockingNotAllowedError} on a thread that may not block.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * console.log(lock.acquireSync(), lock.acquireSync(0), lock.getDepth()); // true true 2
   * lock.release();
   * lock.release();
   * ```
   */
  acquireSync(timeout?: number): boolean {
    // The common cases, with order checking off: one compare-exchange takes a free lock (at depth 1: EXTRA is
    // 0), and the word it finds tells whether this thread holds it already (then it re-enters).
    const word = this.#syncWord;
    if (word > 0 && timeout === undefined && orderMode === 'off') {
      const seen = Atomics.compareExchange(this.#view, STATE, UNLOCKED, word);
      if (seen === UNLOCKED) return true;
      if (holderOf(seen) === currentThreadId) {
        this.#view[EXTRA]++;
        return true;
      }
      return this.#acquireContendedSync(undefined);
    }
    checkTimeout(timeout, 'RLock.acquireSync');
    if (!mayBlock) assertCanBlock('RLock.acquireSync', 'await rlock.acquire()');
    if (this.#reenter()) return true;
    if (orderMode !== 'off') return this.#acquireCheckedSync(timeout);
    if (tryLock(this.#view, STATE)) return true; // EXTRA is 0: depth 1
    return this.#acquireContendedSync(timeout);
  }

  #acquireCheckedSync(timeout: number | undefined): boolean {
    const id = Atomics.load(this.#view, ID);
    checkOrder(id, 'RLock.acquireSync');
    return acquireInOrder(id, true, () => {
      if (!tryLock(this.#view, STATE)) return this.#acquireContendedSync(timeout);
      this.#own(1);
      return true;
    });
  }

  #reenter(): boolean {
    if (!this.#ownedByMe()) return false;
    this.#view[EXTRA]++;
    return true;
  }

  #acquireContendedSync(timeout: number | undefined): boolean {
    if (timeout === 0) return this.#tryAcquire();
    const deadline = deadlineOf(timeout, 'RLock.acquireSync');
    if (spinLock(this.#view, STATE, deadline)) {
      this.#own(1);
      return true;
    }
    const plan = (this.#plan ??= lockPlan(this.#view, STATE, NAME, 'RLock.acquireSync', false));
    if (!waitSync(plan, deadline)) return false;
    this.#own(1);
    if (plan.died !== 0) throw ownerDied('RLock.acquireSync', plan.died);
    return true;
  }

  /**
   * Acquires the lock if it is free or already owned by this thread, without waiting.
   *
   * @returns `true` when acquired (or re-entered).
   * @throws {@link OwnerDiedError} when the lock was taken over from a thread that died owning it (the calling
   *   thread owns it now, at depth 1).
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * console.log(lock.tryAcquire(), lock.tryAcquire()); // true true: the same thread re-enters
   * ```
   */
  tryAcquire(): boolean {
    if (this.#reenter()) return true;
    if (orderMode === 'off') return this.#tryAcquire();
    return acquireInOrder(Atomics.load(this.#view, ID), false, () => this.#tryAcquire());
  }

  #tryAcquire(): boolean {
    if (tryLock(this.#view, STATE)) {
      this.#own(1);
      return true;
    }
    const taken = tryLockOrTakeOver(this.#view, STATE);
    if (taken === false) return false;
    this.#own(1);
    if (taken !== true) throw ownerDied('RLock.tryAcquire', taken);
    return true;
  }

  /**
   * Releases one level of the calling thread's hold; the lock is free once it was released as many times as
   * it was acquired.
   *
   * @throws {@link LockNotHeldError} when the calling thread does not own the lock (it is free, or another
   *   thread owns it); nothing is changed.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * lock.acquireSync();
   * lock.release();
   * console.log(lock.isLocked()); // false
   * ```
   */
  release(): void {
    const view = this.#view;
    // The common case, with order checking off: this thread holds it at depth 1, uncontended. The
    // compare-exchange checks the owner; EXTRA, if another thread owns the lock, is read in vain (the exchange
    // then fails) and never written.
    if (
      orderMode === 'off' &&
      view[EXTRA] === 0 &&
      Atomics.compareExchange(view, STATE, this.#syncWord, UNLOCKED) === this.#syncWord
    )
      return;
    if (!this.#ownedByMe()) {
      throw new LockNotHeldError(
        Atomics.load(this.#view, STATE) === UNLOCKED
          ? 'RLock.release: the lock is not held'
          : 'RLock.release: the lock is owned by another thread; only its owner may release it',
      );
    }
    const extra = this.#view[EXTRA];
    if (extra > 0) {
      this.#view[EXTRA] = extra - 1;
      return;
    }
    this.#releaseState();
  }

  /** Releases STATE; EXTRA is 0 by then. */
  #releaseState(): void {
    unlock(this.#view, STATE);
    if (orderMode !== 'off') releasedInOrder(Atomics.load(this.#view, ID));
  }

  /**
   * Whether any thread holds the lock right now.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * console.log(lock.isLocked()); // false
   * ```
   */
  isLocked(): boolean {
    return Atomics.load(this.#view, STATE) !== UNLOCKED;
  }

  /**
   * Whether the calling thread owns the lock (Python's `RLock._is_owned()`).
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * lock.acquireSync();
   * console.log(lock.isOwned()); // true
   * ```
   */
  isOwned(): boolean {
    return this.#ownedByMe();
  }

  /**
   * The recursion depth of the calling thread's hold: how many `release()` calls would free the lock.
   * 0 when this thread does not own it (even if another thread does).
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * lock.acquireSync();
   * lock.acquireSync();
   * console.log(lock.getDepth()); // 2
   * ```
   */
  getDepth(): number {
    return this.#ownedByMe() ? this.#view[EXTRA] + 1 : 0;
  }

  /**
   * Acquires the lock without blocking the thread; resolves to a {@link Releaser} once held. Re-enters at once
   * when this thread already owns the lock (all async tasks of a thread share its ownership).
   *
   * @param options - A priority, or `{ timeout, signal, priority }`.
   * @returns The releaser; calling it releases one level (a second call does nothing).
   * @throws (rejects) {@link TimeoutError}, `signal.reason`, or `async-mutex`'s `E_CANCELED` after
   *   {@link RLock.cancel}; {@link OwnerDiedError} when the lock was taken over from a thread that died owning
   *   it (the calling thread owns it now, at depth 1).
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * const release = await lock.acquire({ timeout: 1000 });
   * release();
   * ```
   */
  acquire(options?: number | AcquireOptions): Promise<Releaser> {
    let parsed: ReturnType<typeof parseWait>;
    try {
      parsed = parseWait(options, 'RLock.acquire');
    } catch (err) {
      return Promise.reject(err);
    }
    if (parsed.signal?.aborted) return Promise.reject(parsed.signal.reason);
    if (this.#reenter()) return Promise.resolve(this.#releaser());
    const turnstile = this.#turnstile();
    if (orderMode !== 'off') {
      try {
        checkOrder(Atomics.load(this.#view, ID), 'RLock.acquire');
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (turnstile.isEmpty() && tryLock(this.#view, STATE)) {
      this.#own(1);
      if (orderMode !== 'off') acquiredInOrder(Atomics.load(this.#view, ID), true);
      return Promise.resolve(this.#releaser());
    }
    return turnstile.acquire(parsed, 1, 'RLock.acquire', tookOver).then((died) => {
      // A head that re-entered (the thread came to own the lock meanwhile) took no new hold.
      if (orderMode !== 'off' && this.#view[EXTRA] === 0) acquiredInOrder(Atomics.load(this.#view, ID), true);
      if (died !== 0) throw ownerDied('RLock.acquire', died);
      return this.#releaser();
    });
  }

  #releaser(): Releaser {
    return onceReleaser(() => this.release());
  }

  #turnstile(): Turnstile {
    if (this.#turnstileCache) return this.#turnstileCache;
    const plan = lockPlan(this.#view, STATE, NAME, 'RLock.acquire', true);
    const resource: Resource = {
      view: this.#view,
      index: STATE,
      attempt: () => {
        // The thread may have come to own the lock meanwhile (a sync acquire): then the head re-enters.
        if (this.#reenter()) {
          plan.died = 0;
          return true;
        }
        const result = plan.attempt();
        if (result === true) this.#own(1);
        return result;
      },
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
   * Runs `callback` holding the lock (acquired asynchronously) and releases it afterwards, also on error.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * console.log(await lock.runExclusive(() => lock.getDepth())); // 1
   * ```
   */
  runExclusive<T>(callback: MutexInterface.Worker<T>, options?: number | AcquireOptions): Promise<T> {
    return runHolding(scopedAcquire(this.acquire(options), this), callback);
  }

  /**
   * Runs `callback` holding the lock (acquired by blocking, or re-entered) and releases it afterwards, also
   * when it throws: Python's `with rlock:`.
   *
   * @throws {@link TimeoutError} when the lock could not be acquired in time (the callback did not run).
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * lock.runExclusiveSync(() => lock.runExclusiveSync(() => console.log(lock.getDepth()))); // 2
   * ```
   */
  runExclusiveSync<T>(callback: () => T, timeout?: number): T {
    return runHoldingSync(this, callback, timeout, 'RLock.runExclusiveSync');
  }

  /**
   * Acquires the lock by blocking and returns a {@link Guard} that releases one level at the end of a `using`
   * block.
   *
   * @throws {@link TimeoutError} when the lock could not be acquired in time.
   * @throws {@link OwnerDiedError} when the holder died holding the lock: no guard is returned, the
   *   lock was released again, and a retry works.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * {
   *   using _held = lock.guardSync();
   *   console.log(lock.getDepth()); // 1
   * }
   * ```
   */
  guardSync(timeout?: number): Guard {
    return holdSync(this, timeout, 'RLock.guardSync');
  }

  /**
   * Acquires the lock asynchronously and resolves to a {@link Guard} for `await using`.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * const lock = new RLock();
   * {
   *   await using _held = await lock.guard();
   * }
   * ```
   */
  async guard(options?: number | AcquireOptions): Promise<Guard> {
    return guardOf(await scopedAcquire(this.acquire(options), this));
  }

  /**
   * Resolves once the lock is observed free, without acquiring it (`async-mutex`'s `waitForUnlock`). A thread
   * that owns the lock waits too, until it has released it. The priority orders it against this thread's
   * queued acquirers as in `async-mutex`: it resolves only when no acquirer of this thread with the same or a
   * higher priority is queued (those go first).
   *
   * @param options - A priority (default 0), or `{ timeout, signal, priority }`.
   * @throws (rejects) {@link TimeoutError} or `signal.reason`.
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * await new RLock().waitForUnlock(); // resolves at once
   * ```
   */
  waitForUnlock(options?: number | AcquireOptions): Promise<void> {
    return waitForUnlockOrdered(this.#view, STATE, this.#turnstile(), options, 'RLock.waitForUnlock');
  }

  /**
   * Rejects every pending async acquirer of this thread with `async-mutex`'s `E_CANCELED` (or the
   * `cancelError` this handle was created with).
   *
   * @example
   * ```ts
   * import { RLock } from 'shared-sync';
   * new RLock().cancel(); // nobody was waiting: nothing happens
   * ```
   */
  cancel(): void {
    this.#turnstile().cancel(this.#cancelError);
  }

  /**
   * @internal For `Condition`: releases every level of this thread's hold and returns the depth to restore
   * (Python's `_release_save`).
   * @throws {@link LockNotHeldError} when this thread does not own the lock.
   */
  releaseSave(): number {
    if (!this.#ownedByMe()) throw new LockNotHeldError('RLock: the lock is not owned by this thread');
    const depth = this.#view[EXTRA] + 1;
    this.#view[EXTRA] = 0;
    this.#releaseState();
    return depth;
  }

  /**
   * @internal For `Condition`: reacquires by blocking, with no timeout, and restores `depth` levels. Never
   * refused as a deadlock victim (a wait must end holding its lock): another wait of the cycle is refused.
   */
  acquireRestoreSync(depth: number): void {
    // Another async task of this thread may have taken the lock meanwhile: then the levels add up.
    if (this.#ownedByMe()) {
      this.#view[EXTRA] += depth;
      return;
    }
    if (!tryLock(this.#view, STATE) && !spinLock(this.#view, STATE)) {
      const plan = (this.#keepPlan ??= lockPlan(this.#view, STATE, NAME, 'Condition.wait', false, true));
      waitSync(plan, Number.POSITIVE_INFINITY);
      this.#own(depth);
      // Taken over from a dead owner: held all the same, the levels restored before the error goes on.
      if (plan.died !== 0) throw ownerDied('Condition.waitSync', plan.died);
      return;
    }
    this.#own(depth);
  }

  /** @internal For `Condition`: reacquires asynchronously, with no timeout or signal, and restores `depth`. */
  async acquireRestore(depth: number): Promise<void> {
    if (this.#ownedByMe()) {
      this.#view[EXTRA] += depth;
      return;
    }
    if (tryLock(this.#view, STATE)) {
      this.#own(depth);
      return;
    }
    // Not through this thread's queue of acquirers: a reacquire is never refused as a deadlock victim. The
    // levels are set by the attempt that takes (or re-enters) the lock, not after the await: from that take on,
    // STATE names this thread, and another task of it that runs before this one resumes re-enters on top of them.
    const plan = (this.#keepAsyncPlan ??= lockPlan(this.#view, STATE, NAME, 'Condition.wait', true, true));
    await waitAsync(
      {
        view: plan.view,
        index: plan.index,
        watchesDeaths: true,
        get recheckAt() {
          return plan.recheckAt;
        },
        leave: plan.leave,
        attempt: () => {
          // Another async task of this thread may have come to own the lock meanwhile: the levels add up.
          if (this.#ownedByMe()) {
            plan.died = 0;
            this.#view[EXTRA] += depth;
            return true;
          }
          const result = plan.attempt();
          if (result === true) this.#own(depth);
          return result;
        },
      },
      Number.POSITIVE_INFINITY,
    );
    if (plan.died !== 0) throw ownerDied('Condition.wait', plan.died);
  }
}

registerReviver(KIND, (received) => RLock.from(received));
