/**
 * The adaptive spin before a park (`internal/spin.ts`): a budget that collapses when spins keep failing must
 * come back when the partner answers quickly again, and the async form must look once per turn of the event
 * loop, never blocking it.
 */

import { describe, expect, it } from 'vitest';
import { now } from '../lib/internal/clock';
import { RETRY_FIRST, RETRY_MOST, SPIN_FLOOR_MS, SpinBudget } from '../lib/internal/spin';

/**
 * A budget far above what the conditions below take (10 µs, one turn of the event loop), so that a thread
 * descheduled for a moment on a loaded machine does not run it out; small enough that collapsing it is quick.
 */
const MAX_MS = 2;

/** A budget whose spins have failed until it fell below the floor. */
function collapsed(): SpinBudget {
  const budget = new SpinBudget(MAX_MS);
  for (let i = 0; i < 20 && budget.ms >= SPIN_FLOOR_MS; i++) {
    expect(budget.spin(() => true, Number.POSITIVE_INFINITY)).toBe(false);
  }
  expect(budget.ms).toBeLessThan(SPIN_FLOOR_MS);
  return budget;
}

/** A condition that comes true `us` microseconds after the first look. */
function trueAfter(us: number): () => boolean {
  let until = -1;
  return () => {
    if (until < 0) until = now() + us / 1000;
    return now() < until;
  };
}

describe('SpinBudget', () => {
  it('a collapsed budget looks once per wait, and retries with its whole budget after RETRY_FIRST waits', () => {
    const budget = collapsed();
    // Below the floor: one look, no spin, for RETRY_FIRST - 1 waits.
    let looks = 0;
    for (let i = 1; i < RETRY_FIRST; i++) {
      expect(budget.spin(() => ++looks > 0, Number.POSITIVE_INFINITY)).toBe(false);
    }
    expect(looks).toBe(RETRY_FIRST - 1);
    // The retry: the partner answers after 10 µs, five times the floor but within the whole budget.
    expect(budget.spin(trueAfter(10), Number.POSITIVE_INFINITY)).toBe(true);
    expect(budget.ms).toBe(MAX_MS);
  });

  it('a failed retry stays below the floor, and the retries come twice as late each time, up to RETRY_MOST', () => {
    const budget = collapsed();
    const intervals: number[] = [];
    for (let retry = 0; retry < 8; retry++) {
      // Waits until the next one that spins (a spin looks many times; a wait below the floor looks once).
      let waits = 0;
      for (;;) {
        waits++;
        let looks = 0;
        const t0 = now();
        expect(budget.spin(() => ++looks > 0, Number.POSITIVE_INFINITY)).toBe(false);
        if (looks > 1) {
          expect(now() - t0).toBeGreaterThanOrEqual(MAX_MS); // the whole budget
          break;
        }
      }
      intervals.push(waits);
      expect(budget.ms).toBeLessThan(SPIN_FLOOR_MS);
    }
    const expected = [];
    for (let every = RETRY_FIRST; expected.length < 8; every = Math.min(RETRY_MOST, every * 2)) {
      expected.push(every);
    }
    expect(intervals).toEqual(expected);
  });

  it('the async form looks once per turn of the event loop: other tasks run between its looks', async () => {
    // A budget that would not run out during the test, however loaded the machine: a spin that blocked the
    // thread would never see the task below run, and would run out after a second.
    const budget = new SpinBudget(1000);
    let set = false;
    setImmediate(() => {
      set = true;
    });
    const t0 = now();
    expect(await budget.spinAsync(() => !set, Number.POSITIVE_INFINITY, undefined)).toBe(true);
    expect(set).toBe(true);
    expect(now() - t0).toBeLessThan(500);
    expect(budget.ms).toBe(1000);
  });

  it('the async form stops when its signal aborts, without learning from it', async () => {
    const budget = new SpinBudget(1000); // a budget that would not run out during the test
    const controller = new AbortController();
    setImmediate(() => controller.abort());
    const t0 = now();
    expect(await budget.spinAsync(() => true, Number.POSITIVE_INFINITY, controller.signal)).toBe(false);
    expect(now() - t0).toBeLessThan(500);
    expect(budget.ms).toBe(1000);
  });

  it('the async form runs out at its budget and halves it', async () => {
    const budget = new SpinBudget(MAX_MS);
    expect(await budget.spinAsync(() => true, Number.POSITIVE_INFINITY, undefined)).toBe(false);
    expect(budget.ms).toBe(MAX_MS / 2);
  });

  it('a wait whose deadline has passed looks once and learns nothing', async () => {
    const budget = new SpinBudget(MAX_MS);
    for (let i = 0; i < 20; i++) {
      expect(budget.spin(() => true, now() - 1)).toBe(false);
      expect(await budget.spinAsync(() => true, now() - 1, undefined)).toBe(false);
    }
    expect(budget.ms).toBe(MAX_MS);
  });
});
