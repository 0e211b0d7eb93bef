/**
 * An adaptive spin before a park, per thread (the policy of glibc's adaptive mutexes and of `parking_lot`'s spin
 * wait, reduced to one number): spinning pays when the other side is running on another core and about to act;
 * on a machine with more runnable threads than cores it is the opposite, a waste of the time slice the other side
 * needs, and it makes the scheduler treat the spinner as a CPU hog. So each budget remembers how its spins went:
 * a spin that ends because the condition came true doubles the budget (up to its maximum), one that runs out
 * halves it; below {@link SPIN_FLOOR_MS} the thread parks at once and only tries a short spin again every
 * {@link RETRY_EVERY} waits, so that it notices when the machine is quiet again.
 *
 * The budget is a tuning hint kept in this thread's memory, never shared state: two threads may well spin
 * differently on the same queue.
 *
 * @internal
 * @module
 */

/** Below this budget a thread parks without spinning. */
export const SPIN_FLOOR_MS = 0.002;
/** How often (in waits) a thread that has stopped spinning tries a spin of {@link SPIN_FLOOR_MS} again. */
export const RETRY_EVERY = 32;

/** One thread's budget for one kind of wait. */
export class SpinBudget {
  #ms: number;
  #skipped = 0;

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
    let budget = this.#ms;
    if (budget < SPIN_FLOOR_MS) {
      if (++this.#skipped < RETRY_EVERY) return !waiting();
      this.#skipped = 0;
      budget = SPIN_FLOOR_MS;
    }
    const start = performance.now();
    const until = Math.min(deadline, start + budget);
    for (let i = 1; waiting(); i++) {
      if ((i & 63) === 0 && performance.now() > until) {
        this.#ms = budget / 2;
        return false;
      }
    }
    this.#ms = Math.min(this.maxMs, budget * 2);
    return true;
  }
}
