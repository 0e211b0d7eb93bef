/**
 * How a Queue's producers and consumers wait for each other: the event words NOT_EMPTY and NOT_FULL (a
 * futex-based event count), and the short spins before a park. The ring itself is in `ring.ts`.
 *
 * ## Event words
 * | bits  | name     | meaning                                                                      |
 * |-------|----------|------------------------------------------------------------------------------|
 * | 0     | ARMED    | a waiter may be parked on the word: the next signal must step it and wake it |
 * | 1‥31  | sequence | bumped by every signal that finds the word armed, and by `close()`           |
 *
 * A consumer that finds the ring empty (holding GET_LOCK) sets ARMED on NOT_EMPTY with a compare-exchange,
 * looks at CLOSED and PUT_POS again, and parks on the armed value it set. A producer, after publishing, reads
 * NOT_EMPTY; only if it is ARMED does it step it (one compare-exchange to the next, unarmed value) and wake it, so a put nobody waits for
 * writes nothing on the consumers' behalf. Either the consumer's second look sees the record, or the producer's
 * read comes after the arming and sees the bit (both sides write, then read, with sequentially consistent
 * atomics), or another signal stepped the word in between; in the last two cases the word no longer holds the
 * value the consumer parks on, so its `Atomics.wait` returns at once or is woken. Wakes are broadcasts (see
 * `wait.ts`), so one wake reaches every consumer parked at that moment, and a consumer that must park again
 * re-arms: signalling costs one wake per park, not one per item, and a burst of puts into a queue whose consumer
 * sleeps wakes it once. Producers waiting for room mirror this with NOT_FULL, which consumers read after
 * removing records. GETTERS / PUTTERS count announced waiters (diagnostics, and the specs' way to see a park).
 *
 * @internal
 * @module
 */

import { ARMED, arm, STEP, signal } from './eventWord';
import { CLOSED, NOT_EMPTY, NOT_FULL, type Ring } from './ring';
import { SpinBudget } from './spin';
import { wake } from './wait';

/** How long a sync put or get spins for the other side before parking. */
const WAIT_SPIN_MS = 0.05;

export { arm, signal };

/** After `close()`: every waiter on either word, armed or not, re-checks and finds the queue closed. */
export function broadcastClosed(words: Int32Array): void {
  for (const index of [NOT_EMPTY, NOT_FULL]) {
    Atomics.and(words, index, ~ARMED);
    Atomics.add(words, index, STEP);
    wake(words, index);
  }
}

// This thread's spin budgets before a sync get or put parks (see spin.ts): they shrink while spins keep failing.
const itemSpin = new SpinBudget(WAIT_SPIN_MS);
const itemPoll = new SpinBudget(WAIT_SPIN_MS);
const roomSpin = new SpinBudget(WAIT_SPIN_MS);

/**
 * Before a sync get parks: spins while the queue looks empty and open, for at most WAIT_SPIN_MS (less when
 * spins have not been paying off in this thread). The producer is often running on the other core and about to
 * put; a park and the wake it needs cost more than the spin. Only reads: the attempt that follows decides.
 */
export function spinForItem(ring: Ring, deadline: number): void {
  itemSpin.spin(() => ring.looksEmpty() && Atomics.load(ring.words, CLOSED) === 0, deadline);
}

/**
 * Before an async get parks: looks once per turn of the event loop while the queue looks empty and open, for
 * at most WAIT_SPIN_MS (adaptive, as above), never blocking the thread. A wake through `Atomics.waitAsync`
 * reaches a thread whose event loop has gone to sleep, which costs tens of microseconds on a virtual machine;
 * a thread that looks again on its next turn is still awake when the item comes. Resolves to whether an item
 * turned up (the attempt that follows decides).
 */
export function pollForItem(ring: Ring, deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
  return itemPoll.spinAsync(
    () => ring.looksEmpty() && Atomics.load(ring.words, CLOSED) === 0,
    deadline,
    signal,
  );
}

/** Before a sync put parks: spins while `items` records of `bytes` bytes look as if they do not fit (as above). */
export function spinForRoom(ring: Ring, bytes: number, items: number, deadline: number): void {
  roomSpin.spin(() => Atomics.load(ring.words, CLOSED) === 0 && !ring.looksRoomy(bytes, items), deadline);
}
