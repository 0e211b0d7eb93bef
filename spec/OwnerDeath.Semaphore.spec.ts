/**
 * Owner death and semaphores: permits taken through the scoped forms by a thread that then dies come back
 * (reclaimed by whoever would otherwise wait), exactly once and never above a BoundedSemaphore's bound;
 * permits taken with a plain acquire stay unowned, as in Python.
 */

import { describe, expect, it } from 'vitest';
import { BoundedSemaphore, Semaphore, SemaphoreOverflowError } from '../lib/index';
import { type How, kill, startDier } from './helpers/dying';
import { resultOf, spawn } from './helpers/workers';

type Form = 'runExclusiveSync' | 'runExclusive' | 'guardSync' | 'guard';

const CASES: ReadonlyArray<[Form, How]> = [
  ['runExclusiveSync', 'terminate'],
  ['runExclusiveSync', 'exit'],
  ...(['runExclusive', 'guardSync', 'guard'] as const).flatMap((form) =>
    (['terminate', 'throw', 'exit', 'return'] as const).map((how): [Form, How] => [form, how]),
  ),
];

const SYNC_WAITER_CASES: ReadonlyArray<[Form, How]> = [
  ['runExclusiveSync', 'terminate'],
  ['runExclusive', 'throw'],
  ['guardSync', 'exit'],
  ['guard', 'return'],
];

// Every wait has a timeout long enough never to run out here: a waiter that recovers only by its timeout
// reports `acquired: false` (or rejects with TimeoutError), which fails the test.
const PATIENCE = 20_000;

describe('Semaphore: scoped permits of a thread that dies', () => {
  for (const [form, how] of CASES) {
    // Each form and each way of dying once with a blocked waiter in a worker too (workers are slow to start).
    const withSyncWaiter = SYNC_WAITER_CASES.some(([f, h]) => f === form && h === how);
    const waiters = withSyncWaiter
      ? 'a sync waiter in a worker and an async waiter here get'
      : 'an async waiter here gets';
    it(`${form} (${how}): ${waiters} the permits back; the bound holds`, async () => {
      const sem = new BoundedSemaphore(3);
      const dier = await startDier('semaphore-dier', {
        sem,
        bounded: true,
        how,
        form,
        weight: 3,
        holders: 1,
      });
      expect(sem.getValue()).toBe(0);
      const syncWaiter = withSyncWaiter
        ? spawn('semaphore-acquire', { sem, bounded: true, mode: 'sync', timeout: PATIENCE, release: true })
        : undefined;
      const here = sem.acquire(withSyncWaiter ? 2 : 3, { timeout: PATIENCE });
      await kill(dier, how);
      const [, release] = await here;
      if (syncWaiter) {
        const synced = await resultOf<{ acquired: boolean }>(syncWaiter, PATIENCE + 5_000);
        expect(synced.acquired).toBe(true);
      }
      release();
      // The dead thread's three permits came back exactly once: the value is the bound, and no more fits.
      expect(sem.getValue()).toBe(3);
      expect(() => sem.release()).toThrow(SemaphoreOverflowError);
      expect(sem.getValue()).toBe(3);
    });
  }

  it('permits of several async holders of one thread all come back, to a tryAcquire with nobody waiting', async () => {
    for (const form of ['runExclusive', 'guard'] as const) {
      const sem = new Semaphore(4);
      const dier = await startDier('semaphore-dier', { sem, how: 'terminate', form, weight: 1, holders: 3 });
      expect(sem.getValue()).toBe(1);
      expect(sem.tryAcquire(2)).toBe(false); // alive: its permits are its own
      await kill(dier, 'terminate');
      expect(sem.tryAcquire(4)).toBe(true); // reclaims the three, then takes all four
      sem.release(4);
      expect(sem.getValue()).toBe(4);
      expect(sem.tryAcquire(4)).toBe(true); // nothing was returned twice
      expect(sem.tryAcquire()).toBe(false);
    }
  });

  it('permits of a plain acquire are not owned: they stay taken when the thread dies, and any thread may release them', async () => {
    const sem = new Semaphore(1);
    const dier = await startDier('semaphore-dier', { sem, how: 'terminate', form: 'acquireSync', weight: 1 });
    await kill(dier, 'terminate');
    expect(sem.tryAcquire()).toBe(false);
    expect(sem.acquireSync(0)).toBe(false);
    sem.release(); // on the dead thread's behalf, as Python allows
    expect(sem.tryAcquire()).toBe(true);
  });

  it('a scoped form records its permits in the table while it holds them, and leaves no trace after', () => {
    const sem = new Semaphore(5);
    const words = new Int32Array(sem.buffer, sem.byteOffset, Semaphore.byteLength / 4);
    // The table: 32 slots of two words after the four header words (the event word follows it).
    const table = (): number[] => [...words.subarray(4, 4 + 64)].filter((word) => word !== 0);
    const me = (globalThis as { process?: unknown }).process ? 1 : 0; // Node's main thread: threadId 0 → id 1
    sem.runExclusiveSync(
      () => {
        expect(table()).toEqual([me, 2]);
        sem.runExclusiveSync(() => expect(table()).toEqual([me, 5]), 0, 3); // one slot per thread
      },
      0,
      2,
    );
    expect(table()).toEqual([]);
    {
      using _guard = sem.guardSync(0, 1);
      expect(table()).toEqual([me, 1]);
    }
    expect(table()).toEqual([]);
    sem.acquireSync(0, 2); // plain: not recorded
    expect(table()).toEqual([]);
    sem.release(2);
  });
});
