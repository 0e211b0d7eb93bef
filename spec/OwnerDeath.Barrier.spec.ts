/**
 * Owner death at a Barrier: a party whose thread dies while it waits breaks the barrier, and every other
 * waiter (sync or async, in a worker or here) gets BrokenBarrierError without anyone notifying.
 */

import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError } from '../lib/index';
import { type How, kill, startDier, until } from './helpers/dying';
import { resultOf, spawn } from './helpers/workers';

// Nobody waits with a timeout: a timeout would break the barrier too, and these tests must fail if only the
// timeout did. Every wait is bounded all the same: workers' results by resultOf's limit, waits here by a
// signal (an abort rejects with the signal's reason, which is not a BrokenBarrierError).
const bounded = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(20_000) });

/** Settles a wait into a value that `toEqual` can compare. */
function outcome(promise: Promise<number>): Promise<number | string> {
  return promise.then(
    (index) => index,
    (err) =>
      err instanceof BrokenBarrierError && /thread \d+ died/.test(err.message)
        ? 'broken by a death'
        : `error: ${String(err?.message ?? err)}`,
  );
}

const CASES: ReadonlyArray<[How, 'sync' | 'async']> = [
  ['terminate', 'sync'],
  ['terminate', 'async'],
  ['throw', 'async'],
  ['exit', 'async'],
];

describe('Barrier: a party that dies while waiting', () => {
  for (const [how, mode] of CASES) {
    it(`(${how}, ${mode} party) breaks the barrier for a sync waiter in a worker, an async waiter here and later waits`, async () => {
      const barrier = new Barrier(4);
      const dier = await startDier('barrier-dier', { barrier, how, mode });
      const syncWaiter = spawn('barrier-waiter', { barrier, mode: 'sync' });
      const here = outcome(barrier.wait(bounded()));
      await until(
        () => barrier.nWaiting === 3,
        () => `nWaiting ${barrier.nWaiting}`,
      );
      await kill(dier, how);
      expect(await here).toBe('broken by a death');
      expect(await resultOf(syncWaiter, 20_000)).toBe('BrokenBarrierError');
      expect(barrier.broken).toBe(true);
      expect(() => barrier.waitSync(0)).toThrow(`thread ${dier.threadId} died while it waited`);
      barrier.reset();
      expect(barrier.broken).toBe(false);
    });
  }

  it('an arrival after the death breaks it at once (a sync wait on the main thread)', async () => {
    const barrier = new Barrier(3);
    const dier = await startDier('barrier-dier', { barrier, how: 'terminate', mode: 'sync' });
    await until(
      () => barrier.nWaiting === 1,
      () => `nWaiting ${barrier.nWaiting}`,
    );
    await kill(dier, 'terminate');
    // Nobody else is waiting to notice: this arrival reaps the dead party itself.
    // Bounded: a timeout would break it too, but with another message.
    expect(() => barrier.waitSync(20_000)).toThrow(`thread ${dier.threadId} died`);
    expect(barrier.broken).toBe(true);
  });

  it('after reset() the barrier serves full generations again, the dead party forgotten', async () => {
    const barrier = new Barrier(2);
    const dier = await startDier('barrier-dier', { barrier, how: 'exit', mode: 'async' });
    await until(
      () => barrier.nWaiting === 1,
      () => `nWaiting ${barrier.nWaiting}`,
    );
    await kill(dier, 'exit');
    await expect(barrier.wait(bounded())).rejects.toThrow(/died/);
    barrier.reset();
    const worker = spawn('barrier-waiter', { barrier, mode: 'sync' });
    const mine = await barrier.wait(bounded());
    const theirs = await resultOf<number>(worker, 20_000);
    expect([mine, theirs].sort()).toEqual([0, 1]);
  });

  it('a party that dies after the release does not keep the next generation out', async () => {
    // Two async parties in one worker are released; the worker is terminated before they leave (it is kept
    // busy so that their continuations never run). A newcomer reaps them and the barrier reopens.
    const barrier = new Barrier(2);
    const dier = await startDier('barrier-stuck', { barrier });
    await kill(dier, 'terminate');
    expect(barrier.broken).toBe(false);
    const worker = spawn('barrier-waiter', { barrier, mode: 'async' });
    const mine = await outcome(barrier.wait(bounded()));
    expect([mine, await resultOf<number>(worker, 20_000)].sort()).toEqual([0, 1]);
  });
});
