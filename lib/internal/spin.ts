/**
 * An adaptive spin before a park, per thread (the policy of glibc's adaptive mutexes and of `parking_lot`'s spin
 * wait, reduced to one number): spinning pays when the other side is running on another core and about to act;
 * on a machine with more runnable threads than cores it is the opposite, a waste of the time slice the other side
 * needs, and it makes the scheduler treat the spinner as a CPU hog. So each budget remembers how its spins went:
 * a spin that ends because the condition came true doubles the budget (up to its maximum), one that runs out
 * halves it; below {@link SPIN_FLOOR_MS} the thread parks at once and tries a spin again now and then, so that
 * it notices when the machine is quiet again: after {@link RETRY_FIRST} waits, then twice as late after each
 * retry that fails, up to every {@link RETRY_MOST} waits. A retry spins for the whole budget, not the floor, and
 * one that pays restores the whole budget: a park and its wake can cost hundreds of microseconds on a virtual
 * machine whose other core is idle, a partner that answers in a few microseconds is not seen by a floor-length
 * spin, and a budget collapsed by a pause (a collection, the compiler) must come back at once (a Queue
 * ping-pong measured 35-50 µs per round trip with floor-length retries every 32 waits, 12-15 µs with full-budget
 * ones, both timed from the first round trip). Where spinning does not pay, the retries cost one budget per
 * {@link RETRY_MOST} waits.
 *
 * The budget is a tuning hint kept in this thread's memory, never shared state: two threads may well spin
 * differently on the same queue.
 *
 * @internal
 * @module
 */

import { nextTurn, now } from './clock';

/** Below this budget a thread parks without spinning. */
export const SPIN_FLOOR_MS = 0.002;
/**
 * After how many waits a thread that has stopped spinning tries a full spin again: {@link RETRY_FIRST} after
 * the collapse, twice as many after every retry that fails, up to {@link RETRY_MOST}.
 */
export const RETRY_FIRST = 2;
/** The longest interval (in waits) between two retries. */
export const RETRY_MOST = 64;

/** One thread's budget for one kind of wait. */
export class SpinBudget {
  #ms: number;
  #skipped = 0;
  #retryEvery = RETRY_FIRST;
  #retrying = false;

  constructor(readonly maxMs: number) {
    this.#ms = maxMs;
  }

  /** The current budget in milliseconds (for tests and benchmarks). */
  get ms(): number {
    return this.#ms;
  }

  /**
   * Spins while `waiting()` returns true, for at most the budget and never past `deadline`, and learns from how
   * the spin ended. Returns whether the condition came true while spinning (the caller decides anyway: this only
   * reads).
   */
  spin(waiting: () => boolean, deadline: number): boolean {
    const start = now();
    if (deadline <= start) return !waiting(); // no time to spin: nothing to learn either
    const budget = this.begin();
    if (budget === 0) return !waiting();
    const until = Math.min(deadline, start + budget);
    for (let i = 1; waiting(); i++) {
      if ((i & 63) === 0 && now() > until) return this.end(false, budget);
    }
    return this.end(true, budget);
  }

  /**
   * The form of {@link SpinBudget.spin} for async waits: looks at `waiting()` once per turn of the event loop
   * ({@link nextTurn}), so the thread is never blocked and its other tasks run in between, for at most the
   * budget; stops (without learning from it) when `signal` aborts. Where there is no `nextTurn` (browsers)
   * it only looks once.
   */
  async spinAsync(
    waiting: () => boolean,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (nextTurn === undefined || deadline <= now()) return !waiting();
    const budget = this.begin();
    if (budget === 0) return !waiting();
    const until = Math.min(deadline, now() + budget);
    while (waiting()) {
      if (now() > until) return this.end(false, budget);
      await nextTurn();
      if (signal?.aborted) {
        this.abandon();
        return false;
      }
    }
    return this.end(true, budget);
  }

  /**
   * The budget in milliseconds of the spin about to start, or 0 when this wait does not spin (below the floor).
   * For a spin loop written out: end it with {@link SpinBudget.end}, or {@link SpinBudget.abandon}.
   */
  begin(): number {
    if (this.#ms >= SPIN_FLOOR_MS) return this.#ms;
    if (++this.#skipped < this.#retryEvery) return 0;
    this.#skipped = 0;
    this.#retrying = true;
    return this.maxMs;
  }

  /** A spin that stopped for a reason that says nothing about spinning (an abort): nothing is learned. */
  abandon(): void {
    this.#retrying = false;
  }

  /** Learns from a spin of `budget` that ended with the condition true (`paid`) or ran out; returns `paid`. */
  end(paid: boolean, budget: number): boolean {
    const retrying = this.#retrying;
    this.#retrying = false;
    if (paid) {
      this.#ms = Math.min(this.maxMs, budget * 2);
      this.#retryEvery = RETRY_FIRST;
    } else if (retrying) {
      // A failed retry stays below the floor, and the next one comes twice as late.
      this.#retryEvery = Math.min(RETRY_MOST, this.#retryEvery * 2);
    } else {
      this.#ms = budget / 2;
    }
    return paid;
  }
}
