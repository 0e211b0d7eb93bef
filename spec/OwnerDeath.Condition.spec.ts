/**
 * Owner death and Condition: a waiter whose thread died does not take a notification meant for a live one,
 * and a wait whose reacquire takes over the lock of a thread that died holding it settles, then reports
 * OwnerDiedError with the lock held.
 */

import { describe, expect, it } from 'vitest';
import { Condition, Lock, OwnerDiedError, RLock } from '../lib/index';
import { type How, kill, startDier, until, WAYS } from './helpers/dying';
import { nextMessage, resultOf, spawn } from './helpers/workers';

const PATIENCE = 20_000;

/** The group counters of a condition (white-box: P_LIVE, P_GRANTS, O_LIVE of its layout). */
function counters(cond: Condition): { pLive: number; pGrants: number; oLive: number } {
  const words = new Int32Array(cond.buffer, cond.byteOffset, 6);
  return { pLive: Atomics.load(words, 3), pGrants: Atomics.load(words, 4), oLive: Atomics.load(words, 5) };
}

function waiting(cond: Condition): number {
  const { pLive, oLive } = counters(cond);
  return pLive + oLive;
}

/**
 * A worker that waits once on `cond` (sync), holding the lock; resolves once it is counted as waiting, to
 * (a wrapper of) the promise of its outcomes.
 */
async function workerWaiter(
  cond: Condition,
  expectedWaiting: number,
): Promise<{ result: Promise<{ notified: boolean }[]> }> {
  const worker = spawn('condition-waiter', {
    cond,
    counters: new SharedArrayBuffer(4),
    mode: 'sync',
    tasks: 1,
    timeout: PATIENCE,
  });
  const result = resultOf<{ notified: boolean }[]>(worker, PATIENCE + 10_000);
  await until(
    () => waiting(cond) === expectedWaiting,
    () => `waiting ${waiting(cond)}`,
    30_000,
  );
  return { result };
}

const WAITER_CASES: ReadonlyArray<[How, 'sync' | 'async']> = [
  ['terminate', 'sync'],
  ['terminate', 'async'],
  ['throw', 'async'],
  ['exit', 'async'],
];

describe('Condition: a waiter that died', () => {
  for (const [how, mode] of WAITER_CASES) {
    it(`(${how}, ${mode}) does not absorb a notify: the live waiters after it are woken, one per notify(1)`, async () => {
      const cond = new Condition(new Lock());
      const dier = await startDier('condition-dier', { cond, role: 'waiter', how, mode });
      await until(
        () => waiting(cond) === 1,
        () => `waiting ${waiting(cond)}`,
        30_000,
      );
      const first = (await workerWaiter(cond, 2)).result;
      await kill(dier, how);
      // notify(1) promotes the dead waiter's group; without the table the dead waiter stays in it, counted
      // but ungranted, and takes the next notify(1), meant for the waiter below.
      cond.lock.runExclusiveSync(() => cond.notify(1));
      expect(await first).toEqual([{ notified: true, held: true }]);
      const release = await cond.lock.acquire();
      const second = cond.wait({ timeout: PATIENCE });
      await cond.lock.runExclusive(() => cond.notify(1));
      expect(await second).toBe(true); // false would mean: timed out, the notification went to the dead waiter
      release();
      expect(counters(cond)).toEqual({ pLive: 0, pGrants: 0, oLive: 0 });
    });
  }

  it('two dead waiters take none of a notify(2) meant for the two live waiters that came after them', async () => {
    const cond = new Condition(new Lock());
    const diers = [
      await startDier('condition-dier', { cond, role: 'waiter', how: 'terminate', mode: 'async' }),
      await startDier('condition-dier', { cond, role: 'waiter', how: 'terminate', mode: 'sync' }),
    ];
    await until(
      () => waiting(cond) === 2,
      () => `waiting ${waiting(cond)}`,
      30_000,
    );
    const first = (await workerWaiter(cond, 3)).result;
    await Promise.all(diers.map((d) => kill(d, 'terminate')));
    // The group of the dead and the first live waiter gets one notification, which only the live one can take.
    cond.lock.runExclusiveSync(() => cond.notify(1));
    expect(await first).toEqual([{ notified: true, held: true }]);
    // Two live waiters here (each async wait takes the Lock for itself), then notify(2) from a third task.
    const live = [0, 1].map(() => cond.lock.runExclusive(() => cond.wait({ timeout: PATIENCE })));
    await until(
      () => counters(cond).oLive === 2,
      () => `counters ${JSON.stringify(counters(cond))}`,
      30_000,
    );
    await cond.lock.runExclusive(() => cond.notify(2));
    expect(await Promise.all(live)).toEqual([true, true]); // false: a timeout, a notification lost to the dead
    expect(counters(cond)).toEqual({ pLive: 0, pGrants: 0, oLive: 0 });
  });
});

describe('Condition: a wait whose reacquire takes over a dead holder’s lock', () => {
  for (const how of WAYS) {
    for (const [kind, create] of [
      ['Lock', () => new Lock()],
      ['RLock', () => new RLock()],
    ] as const) {
      it(`(${how}, ${kind}) settles, then throws OwnerDiedError with the lock held, in a sync worker waiter and an async waiter here`, async () => {
        const cond = new Condition(create());
        const depth = kind === 'RLock' ? 2 : 1;
        const worker = spawn('condition-owner-waiter', { cond, mode: 'sync', depth, timeout: PATIENCE });
        await nextMessage(worker, 30_000, (m: { waiting?: boolean }) => m.waiting === true);
        await until(
          () => waiting(cond) === 1,
          () => `waiting ${waiting(cond)}`,
          30_000,
        );
        const workerResult = resultOf<{ outcome: unknown; threadId: number; held: boolean; depth: number }>(
          worker,
          PATIENCE + 10_000,
        );
        // Here: an async waiter holding the lock (an RLock twice).
        for (let i = 0; i < depth; i++) await cond.lock.acquire();
        const here = cond.wait({ timeout: PATIENCE }).then(
          (notified) => ({ notified, error: undefined as unknown }),
          (error: unknown) => ({ notified: undefined, error }),
        );
        expect(waiting(cond)).toBe(2);
        const holder = await startDier('condition-dier', { cond, role: 'holder', how, mode: 'sync' });
        await kill(holder, how);

        // One of the two takes the lock over and is told; the other gets a normal lock and was notified.
        const [mine, theirs] = await Promise.all([
          here.then((r) => {
            const owned = cond.lock instanceof RLock ? cond.lock.getDepth() : cond.lock.isLocked() ? 1 : 0;
            for (let i = 0; i < owned; i++) cond.lock.release();
            return { ...r, owned };
          }),
          workerResult,
        ]);
        expect(mine.owned).toBe(depth);
        expect(theirs.held).toBe(true);
        expect(theirs.depth).toBe(depth);
        const toldHere = mine.error instanceof OwnerDiedError;
        const toldThere = theirs.outcome === 'OwnerDiedError';
        expect([toldHere, toldThere].filter(Boolean)).toHaveLength(1);
        if (toldHere) {
          expect((mine.error as OwnerDiedError).threadId).toBe(holder.threadId);
          expect((mine.error as Error).message).toMatch(/^Condition\.wait: .*died holding it/);
          expect(theirs.outcome).toBe(true);
        } else {
          expect(theirs.threadId).toBe(holder.threadId);
          expect(mine.notified).toBe(true);
        }
        // Both settled: nobody is counted as waiting, and the condition works as before.
        expect(counters(cond)).toEqual({ pLive: 0, pGrants: 0, oLive: 0 });
        expect(cond.lock.isLocked()).toBe(false);
        await cond.lock.acquire();
        const again = cond.wait({ timeout: PATIENCE });
        await cond.lock.runExclusive(() => cond.notify());
        expect(await again).toBe(true);
        cond.lock.release();
      });
    }
  }
});
