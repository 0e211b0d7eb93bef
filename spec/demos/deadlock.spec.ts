import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCycle, lessonOf, runDeadlock, startPhilosophers } from '../../demos/deadlock/deadlock';
import type { Crew } from '../../demos/support/crew';

const BOUND_MS = 5000;
let crew: Crew;
beforeAll(async () => {
  crew = await startPhilosophers(4);
});
afterAll(async () => {
  await crew?.close();
});

const pauses = fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 2, maxLength: 4 });

describe('deadlock demo', () => {
  it('the opposite-order version always deadlocks and is detected within its bound, for any pauses and 2-4 workers', async () => {
    await fc.assert(
      fc.asyncProperty(pauses, async (pausesMs) => {
        const run = await runDeadlock({ variant: 'opposite', pausesMs, boundMs: BOUND_MS }, crew);
        expect(run.cycle).not.toBeNull();
        expect(run.detectedAfterMs).toBeLessThan(BOUND_MS);
        // The whole ring waits: worker w holds its own lock and waits for its neighbour's.
        const n = pausesMs.length;
        expect(run.cycle?.map((l) => l.worker).sort()).toEqual([...Array(n).keys()]);
        for (const link of run.cycle ?? []) {
          expect(link.holds).toEqual([link.worker]);
          expect(link.waitsFor).toBe((link.worker + 1) % n);
          expect(link.heldBy).toBe((link.worker + 1) % n);
        }
        // Breaking it costs exactly the victim; everyone else then finishes.
        expect(run.results.map((r) => r.completed)).toEqual(pausesMs.map((_, w) => w !== run.victim));
        expect(lessonOf(run, BOUND_MS)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('both fixes (one RLock for every name, one consistent order) always complete, for any pauses and 2-4 workers', async () => {
    await fc.assert(
      fc.asyncProperty(pauses, async (pausesMs) => {
        for (const variant of ['rlock', 'ordered'] as const) {
          const run = await runDeadlock({ variant, pausesMs, boundMs: BOUND_MS }, crew);
          expect(run.cycle).toBeNull();
          expect(run.results.map((r) => r.reason ?? 'completed')).toEqual(pausesMs.map(() => 'completed'));
          expect(lessonOf(run, BOUND_MS)).toBe(true);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('the wait-for graph finds a cycle through one RLock shared by two names, and none in a chain', () => {
    // worker 0 holds A, waits for C; worker 1 holds C, waits for B, which is the same RLock as A.
    const shared = findCycle({ holds: [0b001, 0b100], waits: [2, 1] }, [0, 0, 1]);
    expect(shared?.map((l) => [l.worker, l.heldBy])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // a chain: 0 waits for 1's lock, 1 waits for a free lock.
    expect(findCycle({ holds: [0b01, 0b10, 0], waits: [1, 2, -1] }, [0, 1, 2])).toBeNull();
  });
});
