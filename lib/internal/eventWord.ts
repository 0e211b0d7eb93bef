/**
 * An event word: a futex-based event count for "wake me when the condition may have changed", shared by the
 * Queue (NOT_EMPTY, NOT_FULL) and the Semaphore (its EVENT word).
 *
 * | bits  | name     | meaning                                                                      |
 * |-------|----------|------------------------------------------------------------------------------|
 * | 0     | ARMED    | a waiter may be parked on the word: the next signal must step it and wake it |
 * | 1‥31  | sequence | bumped by every signal that finds the word armed (one + 1 from an armed, odd value) |
 *
 * A waiter arms the word ({@link arm}, which returns the armed value), then looks at its condition once more,
 * and parks on the armed value. Whoever changes the condition then {@link signal}s: only if the word is armed
 * does it step it (to the next sequence number, unarmed, in one compare-exchange) and wake it. Either the
 * waiter's second look sees the change, or the signal's read comes after the arming and sees the bit (both sides
 * write, then read, with sequentially consistent atomics), or another signal stepped the word in between; in
 * the last two cases the word no longer holds the value the waiter parks on, so its wait returns at once or is
 * woken. Arming and signalling only ever add one to the word, so the value a waiter parks on never comes back
 * (for 2³¹ signals). A waiter that must park again re-arms: a change nobody waits for writes nothing, and a
 * burst of changes wakes a sleeping waiter once.
 *
 * @internal
 * @module
 */

import { wake } from './wait';

/** A waiter may be parked on the word: the next signal must step it and wake it. */
export const ARMED = 1;
/** One step of the sequence. */
export const STEP = 2;

/**
 * Announces a waiter on the event word `index`: sets its ARMED bit, so that the next signal wakes the word, and
 * returns the word's value to park on (read the condition again after this, before parking).
 */
export function arm(words: Int32Array, index: number): number {
  for (;;) {
    const value = Atomics.load(words, index);
    if (value & ARMED) return value;
    if (Atomics.compareExchange(words, index, value, value | ARMED) === value) return value | ARMED;
  }
}

/**
 * Signals the event word `index` after the condition changed: when a waiter armed it, one compare-exchange
 * takes it from the armed value to the next sequence number, unarmed (armed values are odd: + 1), and wakes
 * it. One step, so that the word only ever grows: with a step and then a clear, a waiter arming between the two
 * parked on a value that came back once the next waiter armed the word, and slept through the permits or items
 * it waited for. A failed exchange means another signal stepped the word first, and that one wakes. Unarmed,
 * it only reads the word (no write to a line the other side reads).
 */
export function signal(words: Int32Array, index: number): void {
  const value = Atomics.load(words, index);
  if ((value & ARMED) !== 0 && Atomics.compareExchange(words, index, value, value + 1) === value) {
    wake(words, index);
  }
}
