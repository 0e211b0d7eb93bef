/**
 * `Condition`: a condition variable over a {@link Lock} or an {@link RLock}, shared by every thread that holds a
 * handle to it.
 *
 * ## Memory layout (Int32 words from `byteOffset`)
 * | word | name     | meaning                                                                          |
 * |------|----------|----------------------------------------------------------------------------------|
 * | 0    | TAG      | kind tag (see `internal/shared.ts`)                                              |
 * | 1    | SEQ      | the sequence word waiters park on: +1 by every notify that notified someone      |
 * | 2    | EPOCH    | id of the *partial* group P; every group with a smaller id has been fully notified |
 * | 3    | P_LIVE   | members of group EPOCH still inside `wait` (not yet returned)                     |
 * | 4    | P_GRANTS | notifications given to group EPOCH and not yet taken, `0 ≤ P_GRANTS ≤ P_LIVE`     |
 * | 5    | O_LIVE   | members of the *open* group EPOCH + 1 still inside `wait`; it has no notifications |
 * | 6-7  |          | unused (the table starts 8-byte aligned)                                         |
 * | 8 + 5s     | THREAD(s)   | slot s < `WAITER_SLOTS` of the waiters table: a thread with waiters inside `wait`, or a stale id when both its counts are 0 |
 * | 9 + 5s + 2p  | GROUP(s, p) | for parity p ∈ {0, 1}: the id of the last group with parity p this thread's waiters joined |
 * | 10 + 5s + 2p | COUNT(s, p) | how many of that thread's waiters are members of GROUP(s, p) and still inside `wait` |
 *
 * The lock is not in this memory: it is its own primitive, and its handle is the condition's `lock` property,
 * so the structured clone of a condition carries it and `from()` rebuilds it.
 *
 * ## Protocol (a sequence word, plus groups so that `notify(n)` wakes exactly n)
 * A sequence word alone gives "wake all": every notify changes SEQ and every waiter returns. Python's
 * `notify(n)` wakes at most n waiters, and only waiters that were waiting when it was called. So waiters join
 * groups, in the spirit of glibc's condition variable (T. Riegel, 2016: signals go to the older group G1 only,
 * new waiters join G2), simplified by one fact: every word here except SEQ's wake is read and written only
 * while holding the lock, by the waiter (which reacquires the lock before it decides whether it was notified)
 * and by the notifier (which must hold it). So the counters need no atomic read-modify-write, only a plain
 * protocol:
 *
 * - **wait**: holding the lock, join the open group (`O_LIVE += 1`, remember `group = EPOCH + 1`), read SEQ,
 *   release the lock (an RLock releases every level), park on SEQ while it still has the value read, then
 *   reacquire the lock and *settle*.
 * - **settle** (holding the lock): `group < EPOCH` — the group was fully notified: return `true`.
 *   `group = EPOCH` — take a notification if `P_GRANTS > 0` (`P_GRANTS −= 1, P_LIVE −= 1`, return `true`);
 *   otherwise, at the deadline leave (`P_LIVE −= 1`, return `false`), else park again.
 *   `group = EPOCH + 1` — not notified: at the deadline leave (`O_LIVE −= 1`, return `false`), else park again.
 * - **notify(n)** (holding the lock): give `min(n, P_LIVE − P_GRANTS)` notifications to P; if some remain
 *   and the open group has members, P is now fully notified: promote the open group (`EPOCH += 1`,
 *   `P_LIVE = O_LIVE, P_GRANTS = 0, O_LIVE = 0`) and give it the rest likewise. If anyone was notified,
 *   increment SEQ and wake it.
 *
 * Invariants (whenever the lock is free): `0 ≤ P_GRANTS ≤ P_LIVE`; only group P holds notifications; the waiters
 * still inside `wait` that will return `true` are exactly the members of groups below EPOCH plus P_GRANTS
 * members of P. Hence: a notify reaches only waiters that joined before it (a later waiter joins the open group,
 * which gets nothing from an earlier notify); exactly `min(n, not-yet-notified waiters)` are notified; a waiter
 * that times out leaves without taking anyone's notification, and a notification given to it before it
 * settles is not lost: it returns `true` (Python would report the timeout and drop the notification). An
 * aborted async waiter that was notified passes its notification on (`notify(1)`), so it is not lost either.
 * Within a group the order is not FIFO: any member may take a notification.
 *
 * ## Waiters that die (the waiters table)
 * A thread can die while its waiters are inside `wait` (terminated, crashed, `process.exit()`). Such a waiter
 * stays counted in P_LIVE or O_LIVE, and a `notify(n)` would give it one of the n notifications. So each
 * waiter is also counted per thread: its thread's slot counts the members of group g under parity `g & 1`
 * (the two groups that can have live members, P = EPOCH and O = EPOCH + 1, have different parities; a count
 * whose GROUP is neither is stale and means 0, so a promotion moves nothing in the table). The notifier,
 * holding the lock and before it grants anything, removes the waiters of dead threads: P_LIVE and O_LIVE
 * drop by their counts, P_GRANTS is cut to P_LIVE (an ungranted live member is preferred over a dead one),
 * and the slot is freed. It does this only when there is someone to notify and some thread has died, at the
 * cost of a registry lookup per occupied slot.
 *
 * Steps and what a thread that stops between them leaves (all of them run holding the lock, so the next
 * holder is told with `OwnerDiedError`): joining adds to O_LIVE *before* the table, and leaving subtracts from
 * the table *before* P_LIVE / O_LIVE, so the table never says more than the counters: a death in between
 * leaves a waiter counted that nobody will remove, which may absorb one notification (as every dead waiter
 * did before the table), never a live waiter left out of a `notifyAll`. A notifier that dies in the middle of
 * a promotion can leave the groups' counters inconsistent in the same way (extra members that absorb).
 * With more than `WAITER_SLOTS` threads waiting at once, the waiters of threads without a slot are counted in
 * P_LIVE / O_LIVE only and are not removed if they die; so are deaths older than the registry's memory.
 *
 * No lost wake-up: the waiter reads SEQ while holding the lock, so a notify (which needs the lock) comes after
 * the read and changes SEQ; a park on the old value then returns at once (`Atomics.wait` compares first) or
 * is woken. Wakes are broadcast (see `internal/wait.ts`): with `notify(1)` every parked waiter reacquires the
 * lock in turn and those without a notification park again, which costs little with the few threads this
 * library is used with. Group ids are compared with wrap-around (`(a − b) | 0`).
 *
 * @module
 */

import { LockNotHeldError, OwnerDiedError } from './errors';
import { checkArgCount, PLACED } from './internal/args';
import { ownerDied } from './internal/options';
import { deathCount, isDead } from './internal/registry';
import {
  allocate,
  attach,
  defineKind,
  describe,
  keepClassName,
  type Placement,
  registerReviver,
  revive,
} from './internal/shared';
import { currentThreadId } from './internal/thread';
import {
  assertCanBlock,
  checkTimeout,
  DEATH_POLL_MS,
  deadlineOf,
  mayBlock,
  parkAsync,
  parkSync,
  remaining,
  wake,
} from './internal/wait';
import { parseWaitOptions } from './internal/waitOptions';
import { Lock } from './Lock';
import type { WaitOptions } from './options';
import { RLock } from './RLock';

/** How many threads' waiters the table of a condition tracks at once (see "Waiters that die"). */
const WAITER_SLOTS = 32;
const TABLE = 8;
const SLOT_WORDS = 5;
const WORDS = TABLE + SLOT_WORDS * WAITER_SLOTS;
const NO_SLOT = -1;

const KIND = defineKind('Condition', 5, WORDS * 4);

const SEQ = 1;
const EPOCH = 2;
const P_LIVE = 3;
const P_GRANTS = 4;
const O_LIVE = 5;

/** The word of slot `s` that names its thread. */
function threadWord(slot: number): number {
  return TABLE + SLOT_WORDS * slot;
}

/** The word of slot `s` that holds the id of its last group of parity `group & 1`. */
function groupWord(slot: number, group: number): number {
  return TABLE + SLOT_WORDS * slot + 1 + 2 * (group & 1);
}

/** How many of slot `s`'s thread's waiters are members of `group`. */
function countIn(view: Int32Array, slot: number, group: number): number {
  const at = groupWord(slot, group);
  return Atomics.load(view, at) === group ? Atomics.load(view, at + 1) : 0;
}

/** Adds `delta` to the members of `group` counted in slot `s`. */
function addTo(view: Int32Array, slot: number, group: number, delta: number): void {
  const at = groupWord(slot, group);
  const count = Atomics.load(view, at) === group ? Atomics.load(view, at + 1) : 0;
  Atomics.store(view, at + 1, count + delta);
  Atomics.store(view, at, group);
}

/**
 * The locks a condition can be built over.
 *
 * @example
 * ```ts
 * import { Condition, type ConditionLock, Lock } from 'shared-sync';
 * const lock: ConditionLock = new Lock();
 * const ready = new Condition(lock);
 * ```
 */
export type ConditionLock = Lock | RLock;

function isConditionLock(value: unknown): value is ConditionLock {
  return value instanceof Lock || value instanceof RLock;
}

/**
 * A condition variable that works across worker threads: Python's `threading.Condition` /
 * `multiprocessing.Condition`.
 *
 * It is used while holding its {@link Condition.lock}: a waiter releases the lock while it waits and holds it
 * again when any wait returns (notified, timed out or aborted); {@link Condition.notify} wakes up to n
 * waiters that were waiting when it was called. Waiting or notifying without holding the lock throws
 * {@link LockNotHeldError}: for a {@link Lock} "held" means locked (by anyone, as Python checks), for an
 * {@link RLock} owned by the calling thread.
 *
 * Pass it to a worker in `workerData` or `postMessage` and rebuild it there with {@link Condition.from} or
 * {@link revive}; the clone carries its lock.
 *
 * @remarks An {@link RLock} is owned by a thread and shared by all its async tasks, so several async tasks of
 * one thread cannot take turns holding it: a wait's release of the lock would release the others' holds too.
 * Give a condition waited on by several async tasks of one thread a {@link Lock} (`new Condition(new Lock())`);
 * the default RLock suits threads that each wait with one task or with the `…Sync` forms, as in Python.
 *
 * A `notify(n)` goes only to waiters that were waiting when it was called and had not been notified yet,
 * never to one that arrives later. Waiters are served in batches, earlier batches first, in no defined order
 * within a batch (Python serves them in strict FIFO order, which its documentation does not promise).
 *
 * @example
 * ```ts
 * import { Condition, Lock } from 'shared-sync';
 * const cond = new Condition(new Lock());
 * const items: number[] = []; // in real use: shared memory, e.g. a RawArray
 *
 * // consumer (async form; a worker would use runExclusiveSync and waitForSync)
 * const consumed = cond.lock.runExclusive(async () => {
 *   await cond.waitFor(() => items.length > 0, { timeout: 1000 });
 *   return items.shift();
 * });
 * // producer
 * await cond.lock.runExclusive(() => {
 *   items.push(42);
 *   cond.notify();
 * });
 * console.log(await consumed); // 42
 * ```
 */
export class Condition {
  static {
    keepClassName(Condition, 'Condition');
  }

  /** The shared memory the condition's words live in; carried to other threads by structured clone. */
  readonly buffer: SharedArrayBuffer;
  /** Where in {@link Condition.buffer} the condition lives. */
  readonly byteOffset: number;
  /**
   * The lock the condition is used with: the one given to the constructor, or its own {@link RLock} (as in
   * Python). Acquire it before waiting or notifying, e.g. with `cond.lock.runExclusiveSync(...)`.
   */
  readonly lock: ConditionLock;
  readonly #view: Int32Array;
  /** The slot of the waiters table this thread used last. */
  #slotHint = 0;

  /** Bytes a `Condition` occupies in shared memory (its lock not included). */
  static readonly byteLength: number = KIND.byteLength;

  /**
   * Creates a new condition in a fresh `SharedArrayBuffer`.
   *
   * @param lock - The lock to use; a new {@link RLock} when omitted, as Python does.
   * @throws TypeError when `lock` is neither a {@link Lock} nor an {@link RLock} (a received lock is rebuilt
   *   with `Lock.from` / `RLock.from` first), or when given a second argument.
   */
  constructor(lock?: ConditionLock);
  /** @internal Views the condition at `placement` (already initialized), over `lock`. */
  constructor(placed: typeof PLACED, placement: Placement, lock: ConditionLock);
  constructor(...args: unknown[]) {
    let at: Placement;
    let lock: ConditionLock;
    if (args[0] === PLACED) {
      at = args[1] as Placement;
      lock = args[2] as ConditionLock;
    } else {
      const given = args[0];
      if (given !== undefined && !isConditionLock(given)) {
        throw new TypeError(`Condition: lock must be a Lock or an RLock, got ${describe(given)}`);
      }
      checkArgCount(args, ['lock'], 'Condition');
      at = allocate(KIND);
      lock = given ?? new RLock();
    }
    this.buffer = at.buffer;
    this.byteOffset = at.byteOffset;
    this.lock = lock;
    this.#view = new Int32Array(at.buffer, at.byteOffset, WORDS);
  }

  /**
   * Rebuilds a condition received from another thread (through `workerData` or `postMessage`), with its lock
   * (a {@link Lock} or an {@link RLock}, as it was created).
   *
   * @param received - The structured clone of a `Condition` (or a `Condition` itself).
   * @returns A view of the same condition, over a view of the same lock.
   * @throws TypeError when `received` is not a clone of a `Condition`, or its lock is not a lock's clone.
   *
   * @example
   * ```ts
   * import { Condition } from 'shared-sync';
   * const received: unknown = structuredClone(new Condition()); // what a worker finds in workerData
   * const cond = Condition.from(received);
   * cond.lock.runExclusiveSync(() => cond.notifyAll());
   * ```
   */
  static from(received: unknown): Condition {
    const placement = attach(KIND, received);
    const carried = (received as { lock?: unknown }).lock;
    const lock = isConditionLock(carried) ? carried : revive(carried);
    if (!isConditionLock(lock)) {
      throw new TypeError(
        `Condition.from: expected the clone's lock to be a Lock or an RLock clone, got ${describe(carried)}`,
      );
    }
    return new Condition(PLACED, placement, lock);
  }

  // -------------------------------------------------------------------------------------------------------
  // The lock, whichever kind it is

  /** Throws unless the calling thread may wait or notify: a Lock is locked, an RLock is owned by this thread. */
  #checkHeld(api: string): void {
    const lock = this.lock;
    if (lock instanceof RLock) {
      if (!lock.isOwned())
        throw new LockNotHeldError(`${api}: the condition's RLock is not owned by this thread`);
    } else if (!lock.isLocked()) {
      throw new LockNotHeldError(`${api}: the condition's lock is not held`);
    }
  }

  /**
   * Releases the lock completely; returns what {@link Condition.#restoreSync} needs (the RLock's depth). For a
   * sync wait (`blocking`), a Lock is released through its shared word, not handed to an async acquirer queued
   * in this thread, which could not run while the thread blocks.
   */
  #releaseSave(blocking: boolean): number {
    const lock = this.lock;
    if (lock instanceof RLock) return lock.releaseSave();
    if (blocking) lock.releaseForSyncWait();
    else lock.release();
    return 1;
  }

  /**
   * Reacquires the lock and restores the saved depth. When the lock is taken over from a thread that died
   * holding it, the lock is held all the same (at the saved depth) and the {@link OwnerDiedError} is returned.
   */
  #restoreSync(saved: number): OwnerDiedError | undefined {
    const lock = this.lock;
    try {
      if (lock instanceof RLock) lock.acquireRestoreSync(saved);
      else lock.acquireRestoreSync();
      return undefined;
    } catch (err) {
      return diedHolding(err);
    }
  }

  async #restore(saved: number): Promise<OwnerDiedError | undefined> {
    const lock = this.lock;
    try {
      if (lock instanceof RLock) {
        await lock.acquireRestore(saved);
        return undefined;
      }
      // The hold goes back to the caller, who releases it through the lock. The reacquire does not queue with
      // the thread's acquirers, so a `lock.cancel()` meanwhile does not cancel it, and it is never refused as a
      // deadlock victim: a wait always returns holding the lock, and it must settle under it.
      await lock.acquireRestore();
      return undefined;
    } catch (err) {
      return diedHolding(err);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // The group protocol (every method below runs while holding the lock)

  /** This thread's slot in the waiters table, claimed if needed (NO_SLOT when the table is full). */
  #slot(): number {
    const view = this.#view;
    if (Atomics.load(view, threadWord(this.#slotHint)) === currentThreadId) return this.#slotHint;
    const epoch = Atomics.load(view, EPOCH);
    let free = NO_SLOT;
    for (let s = 0; s < WAITER_SLOTS; s++) {
      if (Atomics.load(view, threadWord(s)) === currentThreadId) return (this.#slotHint = s);
      if (free === NO_SLOT && countIn(view, s, epoch) === 0 && countIn(view, s, (epoch + 1) | 0) === 0)
        free = s;
    }
    if (free === NO_SLOT) return NO_SLOT;
    Atomics.store(view, threadWord(free), currentThreadId);
    return (this.#slotHint = free);
  }

  /** Joins the open group, counted in `slot` too; returns the group's id. */
  #enter(slot: number): number {
    const view = this.#view;
    const group = (Atomics.load(view, EPOCH) + 1) | 0;
    // O_LIVE before the table: see "Waiters that die" for why this order.
    Atomics.store(view, O_LIVE, Atomics.load(view, O_LIVE) + 1);
    if (slot !== NO_SLOT) addTo(view, slot, group, 1);
    return group;
  }

  /**
   * Decides a waiter's fate after it woke and reacquired the lock: `true` notified, `false` left (only when
   * `giveUp`, at the deadline or on abort), `undefined` park again. The table before the counters.
   */
  #settle(group: number, slot: number, giveUp: boolean): boolean | undefined {
    const view = this.#view;
    const behind = (group - Atomics.load(view, EPOCH)) | 0;
    if (behind < 0) return true; // the whole group was notified (the table forgot it at the promotion)
    const grants = behind === 0 ? Atomics.load(view, P_GRANTS) : 0;
    if (grants === 0 && !giveUp) return undefined;
    if (slot !== NO_SLOT) addTo(view, slot, group, -1);
    if (behind === 0) {
      if (grants > 0) Atomics.store(view, P_GRANTS, grants - 1);
      Atomics.store(view, P_LIVE, Atomics.load(view, P_LIVE) - 1);
      return grants > 0;
    }
    Atomics.store(view, O_LIVE, Atomics.load(view, O_LIVE) - 1);
    return false;
  }

  /**
   * Removes the waiters of threads that died from P and O before a notify grants anything (holding the lock),
   * so that a dead waiter does not take a notification meant for a live one.
   */
  #removeDead(): void {
    if (deathCount() === 0) return;
    const view = this.#view;
    const epoch = Atomics.load(view, EPOCH);
    const open = (epoch + 1) | 0;
    for (let s = 0; s < WAITER_SLOTS; s++) {
      const inP = countIn(view, s, epoch);
      const inO = countIn(view, s, open);
      if ((inP === 0 && inO === 0) || !isDead(Atomics.load(view, threadWord(s)))) continue;
      addTo(view, s, epoch, -inP); // the table first, as a waiter leaving does
      addTo(view, s, open, -inO);
      Atomics.store(view, threadWord(s), 0);
      const live = Math.max(0, Atomics.load(view, P_LIVE) - inP);
      Atomics.store(view, P_LIVE, live);
      Atomics.store(view, P_GRANTS, Math.min(Atomics.load(view, P_GRANTS), live));
      Atomics.store(view, O_LIVE, Math.max(0, Atomics.load(view, O_LIVE) - inO));
    }
  }

  /** Notifies up to `n` waiters (see the protocol); the caller holds the lock. */
  #notifyHeld(n: number): void {
    const view = this.#view;
    if (Atomics.load(view, P_LIVE) === Atomics.load(view, P_GRANTS) && Atomics.load(view, O_LIVE) === 0)
      return;
    this.#removeDead();
    let left = n;
    let notified = 0;
    for (;;) {
      const live = Atomics.load(view, P_LIVE);
      const grants = Atomics.load(view, P_GRANTS);
      const given = Math.min(left, live - grants);
      if (given > 0) {
        Atomics.store(view, P_GRANTS, grants + given);
        left -= given;
        notified += given;
      }
      const open = Atomics.load(view, O_LIVE);
      if (left === 0 || open === 0) break;
      // Every member of P is notified now: P joins the fully notified groups and the open group becomes P.
      Atomics.store(view, EPOCH, (Atomics.load(view, EPOCH) + 1) | 0);
      Atomics.store(view, P_LIVE, open);
      Atomics.store(view, P_GRANTS, 0);
      Atomics.store(view, O_LIVE, 0);
    }
    if (notified > 0) {
      // SEQ changes before the wake, and after every waiter that may take these notifications read it.
      Atomics.add(view, SEQ, 1);
      wake(view, SEQ);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Public API

  /**
   * Releases the lock, blocks the thread until notified or until `timeout` ms have passed, and reacquires the
   * lock: Python's `wait(timeout)`. The lock is held again when it returns, whatever the outcome.
   *
   * @param timeout - Milliseconds to wait for a notification at most (reacquiring the lock afterwards is not
   *   bounded, as in Python); omitted or `Infinity` waits forever.
   * @returns `true` when notified, `false` when the timeout ran out. A notification that arrives just as the
   *   timeout runs out is reported (`true`), never dropped.
   * @throws {@link LockNotHeldError} when the calling thread does not hold the lock; nothing changes.
   * @throws RangeError for a negative, `NaN` or non-number timeout.
   * @throws {@link BlockingNotAllowedError} on a thread that may not block (a browser's main thread).
   * @throws {@link OwnerDiedError} when reacquiring the lock took it over from a thread that died holding it:
   *   the lock **is** held again (an RLock at the depth held before the wait), the wait has ended, and what
   *   the lock protects may be half-updated. A notification the wait had received is passed on to another waiter.
   *
   * @example
   * ```ts
   * import { Condition } from 'shared-sync';
   * const cond = new Condition();
   * cond.lock.runExclusiveSync(() => {
   *   console.log(cond.waitSync(10)); // false: nobody notified within 10 ms
   * });
   * ```
   */
  waitSync(timeout?: number): boolean {
    checkTimeout(timeout, 'Condition.waitSync');
    if (!mayBlock) assertCanBlock('Condition.waitSync', 'await condition.wait()');
    this.#checkHeld('Condition.waitSync');
    return this.#waitSync(deadlineOf(timeout, 'Condition.waitSync'), -1, 'Condition.waitSync');
  }

  /**
   * @internal For `Barrier`: one park of {@link Condition.waitSync}, so that the caller can look for parties
   * that died: it returns (`false`, unless notified) after at most `DEATH_POLL_MS`, at once when the
   * registry's death count differs from `deathsSeen`, or at `deadline` (a `performance.now()` time). It does
   * not wait on until the count changes: a death is counted just before the registry names the thread, and a
   * look in between would miss it; the next look, after the next slice or the registry's wake, finds it.
   * The caller holds the lock.
   */
  waitWatchingSync(deadline: number, deathsSeen: number): boolean {
    return this.#waitSync(deadline, deathsSeen, 'Condition.waitSync');
  }

  /**
   * The blocking wait. With `deathsSeen ≥ 0` it parks once, for one slice of `DEATH_POLL_MS` at most (a
   * blocked thread cannot watch the registry's word too), and returns whatever woke it.
   */
  #waitSync(deadline: number, deathsSeen: number, api: string): boolean {
    const view = this.#view;
    const slot = this.#slot();
    const group = this.#enter(slot);
    for (;;) {
      const seq = Atomics.load(view, SEQ); // read while holding the lock: see "No lost wake-up"
      const saved = this.#releaseSave(true);
      if (deathsSeen < 0) parkSync(view, SEQ, seq, deadline);
      else parkWatchingSync(view, seq, deadline, deathsSeen);
      const died = this.#restoreSync(saved);
      const outcome = this.#settle(
        group,
        slot,
        died !== undefined || this.#shouldLeave(deadline, deathsSeen),
      );
      if (died) throw this.#reportOwnerDied(api, died, outcome);
      if (outcome !== undefined) return outcome;
    }
  }

  /** Whether a waiter that was not notified gives up: at its deadline, or (watching deaths) after any wake. */
  #shouldLeave(deadline: number, deathsSeen: number): boolean {
    return deathsSeen >= 0 || remaining(deadline) <= 0; // a death-watching wait parks once (see waitWatchingSync)
  }

  /**
   * A wait whose reacquire took over the lock of a thread that died holding it: it has settled (it left its
   * group), holds the lock, and reports the death instead of an outcome; a notification it had taken is passed
   * on, since it is not reported.
   */
  #reportOwnerDied(api: string, died: OwnerDiedError, outcome: boolean | undefined): OwnerDiedError {
    if (outcome === true) this.#notifyHeld(1);
    return ownerDied(api, died.threadId + 1);
  }

  /**
   * Releases the lock, waits without blocking the thread until notified, the timeout runs out or the signal
   * aborts, and reacquires the lock (asynchronously) before settling.
   *
   * @param options - `{ timeout, signal }`: milliseconds to wait for a notification at most (default
   *   forever), and a signal that cancels the wait.
   * @returns (resolves to) `true` when notified, `false` when the timeout ran out; the lock is held.
   * @throws (rejects) {@link LockNotHeldError} when the lock is not held (nothing changes); `signal.reason` when
   *   the signal aborts, once the lock is held again (a notification it had received is passed on to another
   *   waiter); RangeError/TypeError for bad options; {@link OwnerDiedError} when reacquiring the lock took it
   *   over from a thread that died holding it (the lock is held again, as for {@link Condition.waitSync}).
   *
   * @example
   * ```ts
   * import { Condition, Lock } from 'shared-sync';
   * const cond = new Condition(new Lock());
   * const release = await cond.lock.acquire();
   * try {
   *   const notified = await cond.wait({ timeout: 10 });
   *   console.log(notified, cond.lock.isLocked()); // false true
   * } finally {
   *   release();
   * }
   * ```
   */
  wait(options?: WaitOptions): Promise<boolean> {
    let deadline: number;
    let signal: AbortSignal | undefined;
    try {
      ({ deadline, signal } = parseWaitOptions(options, 'Condition.wait'));
      this.#checkHeld('Condition.wait');
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return this.#waitAsync(deadline, signal);
  }

  /**
   * @internal For `Barrier`: one park of {@link Condition.wait}: resolves (`false`, unless notified) at the
   * first wake (a notify, a recorded death: the death watch of `internal/wait.ts`), or at `deadline`; at once
   * when the death count already differs from `deathsSeen`. The caller holds the lock.
   */
  waitWatching(deadline: number, signal: AbortSignal | undefined, deathsSeen: number): Promise<boolean> {
    return this.#waitAsync(deadline, signal, deathsSeen, 'Condition.wait');
  }

  async #waitAsync(
    deadline: number,
    signal: AbortSignal | undefined,
    deathsSeen = -1,
    api = 'Condition.wait',
  ): Promise<boolean> {
    const view = this.#view;
    const slot = this.#slot();
    const group = this.#enter(slot);
    for (;;) {
      const seq = Atomics.load(view, SEQ);
      const saved = this.#releaseSave(false);
      let aborted = false;
      let reason: unknown;
      try {
        await parkAsync(view, SEQ, seq, deadline, signal, true, deathsSeen);
      } catch (err) {
        aborted = true;
        reason = err;
      }
      const died = await this.#restore(saved);
      const outcome = this.#settle(
        group,
        slot,
        aborted || died !== undefined || this.#shouldLeave(deadline, deathsSeen),
      );
      if (died) throw this.#reportOwnerDied(api, died, outcome);
      if (aborted) {
        if (outcome === true) this.#notifyHeld(1); // we will not report it: hand the notification on
        throw reason;
      }
      if (outcome !== undefined) return outcome;
    }
  }

  /**
   * Waits (blocking) until `predicate()` returns a truthy value or `timeout` ms have passed: Python's
   * `wait_for`. The predicate is evaluated while holding the lock, first before any wait.
   *
   * @param predicate - Checks the shared state the condition protects.
   * @param timeout - Milliseconds to wait at most in total; omitted or `Infinity` waits forever.
   * @returns The predicate's last value (falsy when the timeout ran out).
   * @throws {@link LockNotHeldError} when the lock is not held; TypeError when `predicate` is not a function;
   *   whatever `predicate` throws (the lock is still held); {@link OwnerDiedError} as for
   *   {@link Condition.waitSync} (the lock is held).
   *
   * @example
   * ```ts
   * import { Condition } from 'shared-sync';
   * const cond = new Condition();
   * const cell = new Int32Array(new SharedArrayBuffer(4));
   * cond.lock.runExclusiveSync(() => {
   *   const ready = cond.waitForSync(() => cell[0] === 1, 10);
   *   console.log(ready); // false: nobody set the cell within 10 ms
   * });
   * ```
   */
  waitForSync<T>(predicate: () => T, timeout?: number): T {
    checkPredicate(predicate, 'Condition.waitForSync');
    const deadline = deadlineOf(timeout, 'Condition.waitForSync');
    if (!mayBlock) assertCanBlock('Condition.waitForSync', 'await condition.waitFor()');
    this.#checkHeld('Condition.waitForSync');
    let result = predicate();
    while (!result) {
      if (remaining(deadline) <= 0) break;
      this.#waitSync(deadline, -1, 'Condition.waitForSync');
      result = predicate();
    }
    return result;
  }

  /**
   * Waits without blocking the thread until `predicate()` returns a truthy value, the timeout runs out or the
   * signal aborts: the async form of Python's `wait_for`.
   *
   * @param predicate - Checks the shared state the condition protects; evaluated while holding the lock.
   * @param options - `{ timeout, signal }` for the whole wait.
   * @returns (resolves to) the predicate's last value (falsy when the timeout ran out); the lock is held.
   * @throws (rejects) {@link LockNotHeldError}, TypeError for a non-function predicate, `signal.reason` on abort
   *   (the lock is held again by then), {@link OwnerDiedError} as for {@link Condition.wait} (the lock is
   *   held), or what `predicate` throws.
   *
   * @example
   * ```ts
   * import { Condition, Lock } from 'shared-sync';
   * const cond = new Condition(new Lock());
   * let jobs = 0;
   * setTimeout(() => cond.lock.runExclusive(() => { jobs = 1; cond.notifyAll(); }), 5);
   * const got = await cond.lock.runExclusive(() => cond.waitFor(() => jobs, { timeout: 1000 }));
   * console.log(got); // 1
   * ```
   */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    checkPredicate(predicate, 'Condition.waitFor');
    const { deadline, signal } = parseWaitOptions(options, 'Condition.waitFor');
    this.#checkHeld('Condition.waitFor');
    let result = predicate();
    while (!result) {
      if (signal?.aborted) throw signal.reason;
      if (remaining(deadline) <= 0) break;
      await this.#waitAsync(deadline, signal, -1, 'Condition.waitFor');
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` of the threads and async tasks waiting on this condition (those that were waiting when it
   * was called): Python's `notify(n)`. They return from their wait once they get the lock, so after the caller
   * releases it. Notifying with nobody waiting does nothing.
   *
   * @param n - How many waiters to wake at most.
   * @defaultValue `n` is 1
   * @throws {@link LockNotHeldError} when the calling thread does not hold the lock; RangeError when `n` is not
   *   a non-negative integer. Nothing changes in either case.
   *
   * @example
   * ```ts
   * import { Condition } from 'shared-sync';
   * const cond = new Condition();
   * cond.lock.runExclusiveSync(() => cond.notify(2)); // wakes two waiters, if any
   * ```
   */
  notify(n = 1): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Condition.notify: n must be a non-negative integer, got ${typeof n === 'number' ? n : typeof n}`,
      );
    }
    this.#checkHeld('Condition.notify');
    if (n > 0) this.#notifyHeld(n);
  }

  /**
   * Wakes every thread and async task waiting on this condition: Python's `notify_all()`.
   *
   * @throws {@link LockNotHeldError} when the calling thread does not hold the lock.
   *
   * @example
   * ```ts
   * import { Condition } from 'shared-sync';
   * const cond = new Condition();
   * cond.lock.runExclusiveSync(() => cond.notifyAll());
   * ```
   */
  notifyAll(): void {
    this.#checkHeld('Condition.notifyAll');
    this.#notifyHeld(Number.POSITIVE_INFINITY);
  }
}

/** Parks on SEQ while it reads `seq`, for one slice of `DEATH_POLL_MS` at most, unless a death was recorded. */
function parkWatchingSync(view: Int32Array, seq: number, deadline: number, deathsSeen: number): void {
  if (deathCount() === deathsSeen)
    parkSync(view, SEQ, seq, Math.min(deadline, performance.now() + DEATH_POLL_MS));
}

/**
 * The error of a reacquire: an {@link OwnerDiedError} is returned (the lock is held: an RLock taken over at
 * depth 1 is brought back to the depth the waiter held before it waited); anything else is rethrown.
 */
function diedHolding(err: unknown): OwnerDiedError {
  // Held all the same: an RLock's reacquire has restored its saved depth before the error came.
  if (!(err instanceof OwnerDiedError)) throw err;
  return err;
}

function checkPredicate(predicate: unknown, api: string): void {
  if (typeof predicate !== 'function') {
    throw new TypeError(`${api}: predicate must be a function, got ${describe(predicate)}`);
  }
}

registerReviver(KIND, (received) => Condition.from(received));
