/**
 * The robust three-state mutex word that `Lock` and `RLock` (and any primitive that needs a short internal lock)
 * are built on: Drepper, "Futexes Are Tricky" (2011), mutex 2, with the holder's thread id stored in the word
 * itself, as Linux's robust futexes do (`FUTEX_OWNER_DIED`, `pthread_mutex_consistent`), so that a lock whose
 * holder died can be taken over.
 *
 * ## The word
 * `word = holder << 2 | state`, where `holder` is the id of the thread that took the lock (`thread.ts`, 29 bits)
 * and `state` the low two bits:
 *
 * | state     | bits | word          | meaning                                 | legal transitions                        |
 * |-----------|------|---------------|-----------------------------------------|------------------------------------------|
 * | UNLOCKED  | —    | 0             | free                                    | → t·LOCKED (acquire), → t·CONTENDED (acquire by a waiter) |
 * | LOCKED    | 1    | t << 2 \| 1   | held by t, no thread is parked on the word | → 0 (release), → t·CONTENDED (a waiter announces itself), → u·… (u takes over: t is dead) |
 * | CONTENDED | 2    | t << 2 \| 2   | held by t, threads may be parked on the word | → 0 (release + wake), → u·CONTENDED (u takes over: t is dead) |
 *
 * The uncontended acquire is one compare-exchange (0 → me·LOCKED, where me·LOCKED is a per-thread constant)
 * and the release one exchange to 0, which wakes only when it replaced a CONTENDED word: the holder's id costs
 * nothing. A waiter announces itself by compare-exchanging t·LOCKED → t·CONTENDED before parking, so a release
 * that could miss it is impossible: either the waiter's compare-exchange failed (the word changed: it looks
 * again) or the releaser's exchange sees CONTENDED (and wakes it). A waiter that finds the word free takes it as
 * me·CONTENDED rather than me·LOCKED because it cannot know whether others still sleep; the price is at most one
 * wake nobody needed.
 *
 * ## A holder that died
 * When the registry (`registry.ts`) says the holder t is dead, a waiter (or `tryAcquire`) compare-exchanges the
 * word t·s → me·s' (keeping CONTENDED when it was set, since others may sleep on it) and holds the lock: it is
 * told (`OwnerDiedError`) because what the lock protects may be half-updated. Only one compare-exchange can win,
 * so exactly one acquirer is told per death; the others find a live holder and keep waiting for it. Waiters
 * parked on the old word stay parked until the new holder's release wakes them (its word is CONTENDED).
 * Sync waiters park in slices of {@link DEATH_POLL_MS} and async ones are woken by the registry's death watch
 * (`wait.ts`), so a death reaches every waiter without anybody notifying the lock word.
 *
 * ## The lock id
 * The word after the mutex word holds the lock's id (`deadlock.ts`): a waiter publishes "I wait for lock id, held
 * by t" before it parks, so that a wait that would close a cycle fails with `DeadlockError`, and a release that
 * replaced a CONTENDED word clears the edges that named its holder. Neither costs anything uncontended.
 *
 * A thread that stops between any two steps here leaves a consistent word: every transition is one atomic
 * operation, and a dead holder's word is exactly what the takeover expects.
 *
 * All `Atomics` operations are sequentially consistent, which also orders the protected data: writes made while
 * holding the lock happen-before the release's exchange, which happens-before the next successful acquire.
 *
 * @internal
 * @module
 */

import type { AcquireOptions } from '../options';
import { now } from './clock';
import {
  deadlockError,
  newLockId,
  othersWaitFor,
  registerName,
  releasedContended,
  WaitSlot,
  writeName,
} from './deadlock';
import { type ParsedWait, parseWait, timedOut } from './options';
import { isDead } from './registry';
import { SpinBudget } from './spin';
import { currentThreadId } from './thread';
import type { Turnstile } from './turnstile';
import { mayBlock, SPIN_LIMIT, type WaitPlan, waitAsync, wake } from './wait';

export const UNLOCKED = 0; // free
const LOCKED = 1; // held, nobody parked
const CONTENDED = 2; // held, somebody may be parked on the word
const STATE_BITS = 3;

/** This thread's id as it stands in a word it holds. */
const ME = currentThreadId << 2;
const ME_LOCKED = ME | LOCKED;

/**
 * The word this thread writes to take a lock uncontended where it may block, or -1 (never a word) where it may
 * not: a lock keeps it in a field of its own, so that its fast paths compare against a value in the object
 * instead of loading module bindings (each costs about 4% of an uncontended acquire + release).
 */
export const SYNC_WORD: number = mayBlock ? ME_LOCKED : -1;
const ME_CONTENDED = ME | CONTENDED;

/** The id of the thread that holds a word (0 when free). */
export function holderOf(word: number): number {
  return word >>> 2;
}

function isContended(word: number): boolean {
  return (word & STATE_BITS) === CONTENDED;
}

/** Whether the word is held by the calling thread. */
export function heldByMe(view: Int32Array, index: number): boolean {
  return (Atomics.load(view, index) & ~STATE_BITS) === ME;
}

/** The uncontended acquire: one compare-exchange. */
export function tryLock(view: Int32Array, index: number): boolean {
  return Atomics.compareExchange(view, index, UNLOCKED, ME_LOCKED) === UNLOCKED;
}

/**
 * The non-blocking acquire after {@link tryLock} failed: takes the word over when its holder is dead. Returns
 * `false` (held by a live thread), `true` (it was free after all and is now held), or the dead holder's id (now
 * held by the caller, who must be told).
 */
export function tryLockOrTakeOver(view: Int32Array, index: number): boolean | number {
  for (;;) {
    const word = Atomics.load(view, index);
    if (word === UNLOCKED) {
      if (tryLock(view, index)) return true;
      continue;
    }
    const holder = holderOf(word);
    if (!isDead(holder)) return false;
    if (Atomics.compareExchange(view, index, word, isContended(word) ? ME_CONTENDED : ME_LOCKED) === word) {
      return holder;
    }
  }
}

/** How long a sync acquire of a lock this thread holds spins for its hand-over, at most (see spinLock). */
export const LOCK_SPIN_MS = 0.05;
/** This thread's budget for that spin (spin.ts), shared by its Locks. */
export const handOverSpin = new SpinBudget(LOCK_SPIN_MS);

/**
 * The spin before a contended sync acquire parks.
 *
 * - **The lock is held by another thread** (mutual exclusion): a short bounded spin while the word is LOCKED, as
 *   Rust's futex mutex does. Once it is CONTENDED others already sleep, and spinning would only compete with the
 *   one the release wakes; and under contention a waiter that parks soon leaves the holder to run on with the
 *   lock's cache line in its own cache (two workers contending measured a third less throughput with a longer
 *   spin).
 * - **The lock is held by this thread, and `handOver` is given** (a `Lock` used as a signal, released by another
 *   thread, as Python allows): the release comes from a running thread and nothing is gained by parking, so the
 *   spin is adaptive (`handOver`'s budget, {@link LOCK_SPIN_MS} for {@link handOverSpin}) and goes on through a
 *   CONTENDED word. CONTENDED only says that somebody may be parked: a woken waiter takes the word as CONTENDED,
 *   not knowing whether others sleep, so a lock handed back and forth stays CONTENDED for good once one side has
 *   parked, and a spin that gave up on it would park every time after that (a hand-over ping-pong measured
 *   25 µs per round trip that way, nearly every acquire parked; 4–5 µs with this spin). Taking the word with the
 *   fast path's compare-exchange while others are parked is what the fast path does anyway: a woken waiter that
 *   finds it taken marks it CONTENDED again before it parks, so no wake is lost. But it would win every release
 *   over them: so the spin does not start, and stops, while a thread other than this one has a wait for the
 *   lock published (deadlock.ts); they then race on equal terms, as before.
 *
 * Never spins past `deadline`.
 */
export function spinLock(
  view: Int32Array,
  index: number,
  deadline = Number.POSITIVE_INFINITY,
  handOver?: SpinBudget,
): boolean {
  // The first looks cost no clock read: most holders release within them.
  for (let i = 0; i < SPIN_LIMIT; i++) {
    const word = Atomics.load(view, index);
    if (word === UNLOCKED) {
      if (Atomics.compareExchange(view, index, UNLOCKED, ME_LOCKED) === UNLOCKED) return true;
    } else if (isContended(word) && (handOver === undefined || (word & ~STATE_BITS) !== ME)) {
      return false;
    }
  }
  if (handOver === undefined || (Atomics.load(view, index) & ~STATE_BITS) !== ME) return false;
  // (0: no lock id, as in a raw word of the specs; no wait of a real lock names it.)
  const lockId = Atomics.load(view, index + ID_OFFSET);
  if (lockId !== 0 && othersWaitFor(lockId)) return false;
  const budget = handOver.begin();
  if (budget === 0) return false;
  const end = now() + budget;
  const until = Math.min(deadline, end);
  for (let i = 1; ; i++) {
    const word = Atomics.load(view, index);
    if (word === UNLOCKED) {
      if (Atomics.compareExchange(view, index, UNLOCKED, ME_LOCKED) === UNLOCKED)
        return handOver.end(true, budget);
    } else if ((word & ~STATE_BITS) !== ME) {
      // Taken by a third thread meanwhile: a plain contended wait now.
      handOver.abandon();
      return false;
    }
    if ((i & 63) === 0) {
      if (lockId !== 0 && othersWaitFor(lockId)) {
        handOver.abandon(); // another thread waits: no advantage over it
        return false;
      }
      if (now() > until) {
        if (until === end) return handOver.end(false, budget);
        handOver.abandon(); // the caller's deadline, not the budget, ended it: nothing learned
        return false;
      }
    }
  }
}

/** Index of the lock id, relative to the mutex word. */
const ID_OFFSET = 1;
/** `nameAt` of an internal lock's plan: no id, no name, not in the wait-for graph. */
const NO_NAME = -1;

/**
 * Initializes a new lock's words: a fresh id after the (zeroed, unlocked) mutex word, and its name field at
 * `nameAt` (the given name, or the generated label `${kind}#${id}`).
 */
export function initMutex(
  view: Int32Array,
  index: number,
  nameAt: number,
  kind: string,
  name?: string,
): void {
  const id = newLockId();
  const label = name ?? `${kind}#${id}`;
  if (name !== undefined) registerName(id, name);
  writeName(view, nameAt, label);
  Atomics.store(view, index + ID_OFFSET, id);
}

/** A {@link WaitPlan} that acquires a mutex word; after it finished, `died` is the dead holder taken over (or 0). */
export interface LockPlan extends WaitPlan {
  died: number;
  recheckAt: number;
}

/**
 * The waiter's step: take the word when it is free or its holder is dead, otherwise publish the wait (deadlock
 * detection), mark the word CONTENDED and park on it. Throws `DeadlockError` (from `api`) when the wait would
 * close a cycle, unless `keep` (a Condition's reacquire, which must end holding the lock): another wait of the
 * cycle is refused instead. One plan serves one wait at a time: a lock keeps one for its sync acquires and one for the head
 * of its thread's async acquirers.
 */
export function lockPlan(
  view: Int32Array,
  index: number,
  nameAt: number,
  api: string,
  async: boolean,
  keep = false,
): LockPlan {
  const internal = nameAt === NO_NAME;
  const slot = new WaitSlot(keep);
  const lockId = internal ? 0 : Atomics.load(view, index + ID_OFFSET);
  const plan: LockPlan = {
    view,
    index,
    died: 0,
    recheckAt: Number.POSITIVE_INFINITY,
    watchesDeaths: true,
    leave: () => {
      slot.clear();
      plan.recheckAt = Number.POSITIVE_INFINITY;
    },
    attempt: () => {
      for (;;) {
        const word = Atomics.load(view, index);
        if (word === UNLOCKED) {
          if (Atomics.compareExchange(view, index, UNLOCKED, ME_CONTENDED) === UNLOCKED) {
            plan.died = 0;
            return true;
          }
          continue;
        }
        const holder = holderOf(word);
        if (isDead(holder)) {
          if (Atomics.compareExchange(view, index, word, ME_CONTENDED) === word) {
            plan.died = holder;
            return true;
          }
          continue;
        }
        // Publish the edge first, then check that the word still names that holder (see `deadlock.ts`).
        const changed = internal ? false : slot.publish(lockId, holder, async, view, nameAt);
        let expected = word;
        if (isContended(word)) {
          if (Atomics.load(view, index) !== word) continue;
        } else {
          expected = (word & ~STATE_BITS) | CONTENDED;
          if (Atomics.compareExchange(view, index, word, expected) !== word) continue;
        }
        if (!internal) slot.confirm();
        if (!internal && (changed || plan.recheckAt !== Number.POSITIVE_INFINITY || slot.chosen())) {
          const { cycle, recheck } = slot.detect();
          if (cycle) throw deadlockError(api, cycle);
          plan.recheckAt = recheck;
        }
        return expected;
      }
    },
  };
  return plan;
}

/**
 * A plan for a short internal lock (a Queue's): takes the word over from a dead holder (reported in `died`) like
 * {@link lockPlan}, but is not part of deadlock detection (the word has no lock id after it). Release it with
 * {@link unlockInternal}.
 */
export function internalLockPlan(view: Int32Array, index: number): LockPlan {
  return lockPlan(view, index, NO_NAME, 'internal', false);
}

/** Releases an internal lock's word (see {@link internalLockPlan}); returns the word it replaced. */
export function unlockInternal(view: Int32Array, index: number): number {
  const previous = Atomics.exchange(view, index, UNLOCKED);
  if (isContended(previous)) wake(view, index);
  return previous;
}

/**
 * Releases the word, waking the parked if it was CONTENDED; returns the word it replaced (UNLOCKED: it was not
 * held, and nothing changed).
 */
export function unlock(view: Int32Array, index: number): number {
  const previous = Atomics.exchange(view, index, UNLOCKED);
  if (isContended(previous)) {
    releasedContended(Atomics.load(view, index + ID_OFFSET), holderOf(previous));
    wake(view, index);
  }
  return previous;
}

/**
 * A plan that finishes once the word is observed UNLOCKED (or held by a dead thread, which the next acquirer
 * takes over), without taking it (`waitForUnlock`). To be woken it announces itself the way an acquirer does.
 * While `blocked()` (an acquirer of this thread that goes first is queued) it keeps waiting even on a free
 * word: that acquirer's take is about to change it, and the release that ends its hold wakes the word (it was
 * taken CONTENDED, or announced so by this plan).
 */
export function unlockedPlan(view: Int32Array, index: number, blocked?: () => boolean): WaitPlan {
  return {
    view,
    index,
    watchesDeaths: true,
    attempt: () => {
      for (;;) {
        const word = Atomics.load(view, index);
        const free = word === UNLOCKED || isDead(holderOf(word));
        if (free && (blocked === undefined || !blocked())) return true;
        if (word === UNLOCKED) return word;
        if (isContended(word)) return word;
        const announced = (word & ~STATE_BITS) | CONTENDED;
        if (Atomics.compareExchange(view, index, word, announced) === word) return announced;
      }
    },
  };
}

/** `waitForUnlock()` of a mutex word: resolves once it is observed UNLOCKED, rejects with TimeoutError at the deadline. */
export async function waitUnlocked(
  view: Int32Array,
  index: number,
  options: number | AcquireOptions | undefined,
  api: string,
): Promise<void> {
  const parsed = parseWait(options, api);
  return waitUnlockedParsed(view, index, parsed, api, parsed.signal);
}

/**
 * `Lock`/`RLock.waitForUnlock(options)`: resolves at once when the word is free and nobody of this thread is
 * queued, else waits in the thread's turnstile, ordered against its queued acquirers by priority as
 * `async-mutex` does (see `Turnstile.waitForUnlock`). Bad options reject.
 */
export function waitForUnlockOrdered(
  view: Int32Array,
  index: number,
  turnstile: Turnstile,
  options: number | AcquireOptions | undefined,
  api: string,
): Promise<void> {
  let parsed: ParsedWait;
  try {
    parsed = parseWait(options, api);
  } catch (err) {
    return Promise.reject(err);
  }
  if (turnstile.isEmpty() && Atomics.load(view, index) === UNLOCKED) return Promise.resolve();
  return turnstile.waitForUnlock(parsed.priority, 1, parsed.signal, (signal, blocked) =>
    waitUnlockedParsed(view, index, parsed, api, signal, blocked),
  );
}

/** {@link waitUnlocked} with parsed options: `signal` replaces the parsed one, `blocked` as for {@link unlockedPlan}. */
async function waitUnlockedParsed(
  view: Int32Array,
  index: number,
  parsed: ParsedWait,
  api: string,
  signal: AbortSignal | undefined,
  blocked?: () => boolean,
): Promise<void> {
  if (!(await waitAsync(unlockedPlan(view, index, blocked), parsed.deadline, signal))) {
    throw timedOut(api, parsed.timeout);
  }
}
