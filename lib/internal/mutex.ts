/**
 * The three-state mutex word that `Lock` and `RLock` (and any primitive that needs a short internal lock) are
 * built on: Drepper, "Futexes Are Tricky" (2011), mutex 2.
 *
 * | state     | value | meaning                                 | legal transitions                                  |
 * |-----------|-------|-----------------------------------------|----------------------------------------------------|
 * | UNLOCKED  | 0     | free                                    | → LOCKED (uncontended acquire), → CONTENDED (acquire by a waiter) |
 * | LOCKED    | 1     | held, no thread is parked on the word   | → UNLOCKED (release), → CONTENDED (a waiter announces itself) |
 * | CONTENDED | 2     | held, threads may be parked on the word | → UNLOCKED (release + wake)                        |
 *
 * The uncontended acquire is one compare-exchange (UNLOCKED → LOCKED) and the release one exchange; the release
 * wakes only when it replaced CONTENDED. A waiter always exchanges in CONTENDED before parking, so a release that
 * could miss it is impossible: either the waiter's exchange saw UNLOCKED (and it holds the lock), or the
 * releaser's exchange sees CONTENDED (and wakes it). A woken waiter re-exchanges CONTENDED rather than LOCKED
 * because it cannot know whether others still sleep; the price is at most one wake nobody needed.
 *
 * All `Atomics` operations are sequentially consistent, which also orders the protected data: writes made while
 * holding the lock happen-before the release's exchange, which happens-before the next successful acquire.
 *
 * @internal
 * @module
 */

import type { AcquireOptions } from '../options';
import { parseWait, timedOut } from './options';
import { SPIN_LIMIT, type WaitPlan, waitAsync, wake } from './wait';

export const UNLOCKED = 0; // free
export const LOCKED = 1; // held, nobody parked
export const CONTENDED = 2; // held, somebody may be parked on the word

/** The uncontended acquire: one compare-exchange. */
export function tryLock(view: Int32Array, index: number): boolean {
  return Atomics.compareExchange(view, index, UNLOCKED, LOCKED) === UNLOCKED;
}

/**
 * A short bounded spin before parking: the holder is often running on the other core and about to release.
 * It spins only while the word is LOCKED: once it is CONTENDED others already sleep, and spinning would only
 * compete with the one the release wakes (as Rust's futex mutex does).
 */
export function spinLock(view: Int32Array, index: number): boolean {
  for (let i = 0; i < SPIN_LIMIT; i++) {
    const state = Atomics.load(view, index);
    if (state === UNLOCKED) {
      if (Atomics.compareExchange(view, index, UNLOCKED, LOCKED) === UNLOCKED) return true;
    } else if (state === CONTENDED) {
      return false;
    }
  }
  return false;
}

/** The waiter's step: exchange in CONTENDED; it holds the lock when the word was free. */
export function lockPlan(view: Int32Array, index: number): WaitPlan {
  return {
    view,
    index,
    attempt: () => (Atomics.exchange(view, index, CONTENDED) === UNLOCKED ? true : CONTENDED),
  };
}

/** Releases the word, waking the parked if it was CONTENDED; returns the state it replaced (UNLOCKED: not held). */
export function unlock(view: Int32Array, index: number): number {
  const previous = Atomics.exchange(view, index, UNLOCKED);
  if (previous === CONTENDED) wake(view, index);
  return previous;
}

/**
 * A plan that finishes once the word is observed UNLOCKED, without taking it (`waitForUnlock`). To be woken it
 * announces itself the same way an acquirer does: LOCKED → CONTENDED.
 */
export function unlockedPlan(view: Int32Array, index: number): WaitPlan {
  return {
    view,
    index,
    attempt: () => {
      for (;;) {
        const state = Atomics.load(view, index);
        if (state === UNLOCKED) return true;
        if (state === CONTENDED || Atomics.compareExchange(view, index, LOCKED, CONTENDED) === LOCKED) {
          return CONTENDED;
        }
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
  const { deadline, signal, timeout } = parseWait(options, api);
  if (!(await waitAsync(unlockedPlan(view, index), deadline, signal))) throw timedOut(api, timeout);
}
