/** What the two sides of the portable suite share: the worker roles and the cells of the counting cases. */

export type Role =
  | 'lock'
  | 'rlock'
  | 'semaphore'
  | 'producer'
  | 'consumer'
  | 'event'
  | 'condition'
  | 'barrier'
  | 'cancel'
  | 'dier'
  | 'waiter'
  | 'deadlocker';

/** Slots of the counting cases' `Int32Array`. */
export const COUNTER = 0; // incremented once per critical section
export const INSIDE = 1; // threads in the critical section right now
export const MAX_INSIDE = 2; // the most ever seen at once

/**
 * One critical section: a deliberately non-atomic read-modify-write of {@link COUNTER}, with work in between, that
 * loses updates unless excluded; records in {@link MAX_INSIDE} how many threads were inside at once.
 */
export function touchCounter(cells: Int32Array): void {
  recordInside(cells, Atomics.add(cells, INSIDE, 1) + 1);
  const value = cells[COUNTER];
  let spin = 0;
  for (let i = 0; i < 50; i++) spin += i;
  cells[COUNTER] = value + 1 + (spin - 1225);
  Atomics.sub(cells, INSIDE, 1);
}

/** Raises {@link MAX_INSIDE} to `inside` (a compare-exchange loop: two threads may record at once). */
export function recordInside(cells: Int32Array, inside: number): void {
  for (let max = Atomics.load(cells, MAX_INSIDE); inside > max; max = Atomics.load(cells, MAX_INSIDE)) {
    if (Atomics.compareExchange(cells, MAX_INSIDE, max, inside) === max) return;
  }
}
