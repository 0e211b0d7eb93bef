import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeadlockEvent,
  type DeadlockRun,
  inversionsOf,
  LOCK_NAMES,
  lessonOf,
  runDeadlock,
  startPhilosophers,
  victimsOf,
} from '../../demos/deadlock/deadlock';
import type { Crew } from '../../demos/support/crew';
import { ASYNC_CONFIRM_MS } from '../../lib/internal/deadlock';

const BOUND_MS = 5000;
let crew: Crew;
let throwing: Crew;
beforeAll(async () => {
  [crew, throwing] = await Promise.all([
    startPhilosophers(4, { lockOrder: 'warn' }),
    startPhilosophers(2, { lockOrder: 'throw' }),
  ]);
});
afterAll(async () => {
  await Promise.all([crew?.close(), throwing?.close()]);
});

const pauses = (maxLength: number) => fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 2, maxLength });

/** Checks the deadlock scene: one victim, refused with the whole ring as its cycle; everyone else completes. */
function expectOneVictim(run: DeadlockRun): void {
  const n = run.workers;
  const victims = victimsOf(run);
  expect(victims).toHaveLength(1);
  const [victim] = victims;
  expect(run.results.map((r, w) => (w === victim ? 'refused' : (r.reason ?? String(r.completed))))).toEqual(
    run.results.map((_, w) => (w === victim ? 'refused' : 'true')),
  );
  // The cycle starts with the victim and names every worker of the ring, by thread id and lock name: worker w
  // holds its own lock and waits for its neighbour's.
  const cycle = run.results[victim].refused?.cycle ?? [];
  expect(cycle).toHaveLength(n);
  expect(cycle[0].threadId).toBe(run.results[victim].threadId);
  for (const link of cycle) {
    const w = run.results.findIndex((r) => r.threadId === link.threadId);
    expect(w).toBeGreaterThanOrEqual(0);
    expect(link.holds).toBe(LOCK_NAMES[w]);
    expect(link.waitsFor).toBe(LOCK_NAMES[(w + 1) % n]);
    expect(link.async).toBe(run.acquire === 'async');
  }
  expect(run.results[victim].refused?.message).toMatch(
    /^Lock\.acquire(Sync)?: deadlock: thread \d+ holds '[A-D]' and waits for '[A-D]'/,
  );
  // The victim released its first lock only after it was refused; the neighbour took that lock only then.
  const at = (event: number, actor: number, name: number): number =>
    run.entries.findIndex((e) => e.event === event && e.actor === actor && e.a === name);
  const refusedAt = at(DeadlockEvent.REFUSED, victim + 1, (victim + 1) % n);
  const releasedAt = at(DeadlockEvent.RELEASES, victim + 1, victim);
  const takenAt = at(DeadlockEvent.TAKES, ((victim + n - 1) % n) + 1, victim);
  expect(refusedAt).toBeGreaterThanOrEqual(0);
  expect(refusedAt).toBeLessThan(releasedAt);
  expect(releasedAt).toBeLessThan(takenAt);
  expect(lessonOf(run)).toBe(true);
}

describe('deadlock demo', () => {
  it('opposite orders, forced to interleave: exactly one worker gets DeadlockError naming the ring, the others complete, for any pauses and 2-4 workers', async () => {
    await fc.assert(
      fc.asyncProperty(pauses(4), async (pausesMs) => {
        const run = await runDeadlock({ variant: 'opposite', pausesMs, boundMs: BOUND_MS }, crew);
        expectOneVictim(run);
        // Nothing was recorded before the cycle formed, so the checker had nothing to say: the error did.
        expect(inversionsOf(run)).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });

  it('with async acquires the deadlock is refused too, once the cycle has stood for the confirmation delay', async () => {
    for (const pausesMs of [
      [0, 5],
      [3, 0, 1],
    ]) {
      const started = performance.now();
      const run = await runDeadlock(
        { variant: 'opposite', pausesMs, boundMs: BOUND_MS, acquire: 'async' },
        crew,
      );
      expectOneVictim(run);
      expect(performance.now() - started).toBeGreaterThanOrEqual(ASYNC_CONFIRM_MS);
    }
  });

  it('a lucky run of the same orders (one worker after the other) does not deadlock, and lock-order checking warns about the inversion', async () => {
    await fc.assert(
      fc.asyncProperty(pauses(2), async (pausesMs) => {
        const run = await runDeadlock({ variant: 'lucky', pausesMs, boundMs: BOUND_MS }, crew);
        expect(victimsOf(run)).toEqual([]);
        expect(run.results.map((r) => r.reason ?? r.completed)).toEqual([true, true]);
        // Worker 1 recorded "A, then B"; worker 2, holding B, acquires A: one warning, in worker 2.
        expect(run.results[0].inversions).toEqual([]);
        expect(run.results[1].inversions).toHaveLength(1);
        const [warning] = run.results[1].inversions;
        expect(warning).toMatchObject({ kind: 'warning', held: 'B', acquiring: 'A' });
        expect(warning.message).toContain(
          `but thread ${run.results[0].threadId} acquired 'B' while holding 'A'`,
        );
        expect(warning.message).toMatch(/philosopher\.ts/); // both acquisition sites
        expect(lessonOf(run)).toBe(true);
      }),
      { numRuns: 10 },
    );
  });

  it('lock-order checking compares pairs of locks only: a lucky ring of three (A then B, B then C, C then A) goes unreported, as the Limits guide says', async () => {
    const run = await runDeadlock({ variant: 'lucky', pausesMs: [0, 0, 0], boundMs: BOUND_MS }, crew);
    expect(run.results.map((r) => r.reason ?? r.completed)).toEqual([true, true, true]);
    expect(victimsOf(run)).toEqual([]);
    expect(inversionsOf(run)).toEqual([]);
  });

  it("with lock-order checking 'throw', the lucky run's inverting acquire is refused with LockOrderError before it waits, and the worker releases what it held", async () => {
    const run = await runDeadlock({ variant: 'lucky', pausesMs: [0, 0], boundMs: BOUND_MS }, throwing);
    expect(victimsOf(run)).toEqual([]);
    expect(run.results[0].completed).toBe(true);
    expect(run.results[1].completed).toBe(false);
    expect(run.results[1].inversions).toMatchObject([{ kind: 'error', held: 'B', acquiring: 'A' }]);
    const worker2 = run.entries.filter((e) => e.actor === 2).map((e) => [e.event, LOCK_NAMES[e.a]]);
    expect(worker2).toEqual([
      [DeadlockEvent.WANTS, 'B'],
      [DeadlockEvent.TAKES, 'B'],
      [DeadlockEvent.WANTS, 'A'],
      [DeadlockEvent.INVERSION, 'A'],
      [DeadlockEvent.RELEASES, 'B'],
    ]);
    expect(lessonOf(run)).toBe(true);
  });

  it('both fixes (one RLock for every name, one consistent order) always complete, with no DeadlockError and no lock-order report, for any pauses and 2-4 workers', async () => {
    await fc.assert(
      fc.asyncProperty(pauses(4), async (pausesMs) => {
        for (const variant of ['rlock', 'ordered'] as const) {
          const run = await runDeadlock({ variant, pausesMs, boundMs: BOUND_MS }, crew);
          expect(run.results.map((r) => r.reason ?? (r.refused ? 'refused' : 'completed'))).toEqual(
            pausesMs.map(() => 'completed'),
          );
          expect(inversionsOf(run)).toEqual([]);
          expect(lessonOf(run)).toBe(true);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('lessonOf fails a scene that did not show its lesson', () => {
    const result = (completed: boolean, extra: object = {}) => ({
      completed,
      threadId: 1,
      inversions: [],
      ...extra,
    });
    const refused = { refused: { message: 'x', cycle: [{}, {}] } };
    const warned = { inversions: [{ kind: 'warning', message: 'x' }] };
    const run = (variant: DeadlockRun['variant'], results: object[]): DeadlockRun =>
      ({ variant, workers: 2, acquire: 'sync', results, entries: [], physical: [0, 1] }) as DeadlockRun;
    expect(lessonOf(run('opposite', [result(false, refused), result(true)]))).toBe(true);
    expect(lessonOf(run('opposite', [result(false, refused), result(false, refused)]))).toBe(false);
    expect(lessonOf(run('opposite', [result(true), result(true)]))).toBe(false);
    expect(lessonOf(run('lucky', [result(true), result(true, warned)]))).toBe(true);
    expect(lessonOf(run('lucky', [result(true), result(true)]))).toBe(false);
    expect(lessonOf(run('ordered', [result(true), result(true)]))).toBe(true);
    expect(lessonOf(run('ordered', [result(true), result(true, warned)]))).toBe(false);
    expect(lessonOf(run('rlock', [result(true), result(false)]))).toBe(false);
  });
});
