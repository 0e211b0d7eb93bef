/**
 * The mutual-exclusion suite: every behaviour a `Lock` and an `RLock` share, run against each through a
 * factory (as async-mutex's and CPython's lock tests do).
 */

import type { Worker } from 'node:worker_threads';
import { E_ALREADY_LOCKED, E_CANCELED, E_TIMEOUT, tryAcquire, withTimeout } from 'async-mutex';
import { describe, expect, it } from 'vitest';
import { type Lock, LockNotHeldError, type RLock, TimeoutError } from '../../lib/index';
import { isPending } from '../helpers/promises';
import { nextMessage, runAll, spawn } from '../helpers/workers';

type Mutex = Lock | RLock;

/** A worker that holds `lock` until told to release it. */
export async function holdInWorker(lock: Mutex): Promise<{ worker: Worker; release(): Promise<void> }> {
  const worker = spawn('holder', { lock });
  await nextMessage(worker, 10_000, (m: { ready?: boolean }) => m.ready === true);
  worker.postMessage('acquire');
  const acquired = await nextMessage<{ ok?: boolean }>(worker, 10_000);
  if (acquired.ok !== true) throw new Error('the holder worker could not acquire the lock');
  return {
    worker,
    async release() {
      worker.postMessage('release');
      const released = await nextMessage<{ ok?: boolean }>(worker, 10_000);
      if (released.ok !== true)
        throw new Error(`the holder worker could not release: ${JSON.stringify(released)}`);
    },
  };
}

export function describeMutex(name: string, create: () => Mutex, from: (received: unknown) => Mutex): void {
  describe(`${name}: mutual exclusion (shared suite)`, () => {
    it('starts unlocked, and tryAcquire takes it', () => {
      const lock = create();
      expect(lock.isLocked()).toBe(false);
      expect(lock.tryAcquire()).toBe(true);
      expect(lock.isLocked()).toBe(true);
      lock.release();
      expect(lock.isLocked()).toBe(false);
    });

    it('throws LockNotHeldError when an unheld lock is released, and stays unlocked', () => {
      const lock = create();
      expect(() => lock.release()).toThrow(LockNotHeldError);
      expect(() => lock.release()).toThrow(/not held/);
      expect(lock.isLocked()).toBe(false);
      expect(lock.tryAcquire()).toBe(true);
      lock.release();
    });

    it('rejects bad timeouts with a RangeError naming the API, and leaves the lock free', () => {
      const lock = create();
      for (const bad of [-1, Number.NaN, '5', null, -Infinity]) {
        expect(() => lock.acquireSync(bad as number)).toThrow(RangeError);
        expect(() => lock.acquireSync(bad as number)).toThrow(/acquireSync: timeout/);
        expect(lock.isLocked()).toBe(false);
      }
    });

    it('rejects bad async options and acquires nothing', async () => {
      const lock = create();
      await expect(lock.acquire({ timeout: -5 })).rejects.toThrow(RangeError);
      await expect(lock.acquire(Number.NaN)).rejects.toThrow(/priority/);
      await expect(lock.acquire({ signal: 'no' as unknown as AbortSignal })).rejects.toThrow(TypeError);
      expect(lock.isLocked()).toBe(false);
    });

    it('acquireSync on a free lock returns true at once, also with timeout 0', () => {
      const lock = create();
      expect(lock.acquireSync(0)).toBe(true);
      lock.release();
      expect(lock.acquireSync()).toBe(true);
      lock.release();
    });

    it('a timed-out acquireSync(50) returns false after at least 50 ms while another thread holds it', async () => {
      const lock = create();
      const holder = await holdInWorker(lock);
      const t0 = performance.now();
      expect(lock.acquireSync(50)).toBe(false);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
      expect(lock.acquireSync(0)).toBe(false);
      expect(lock.tryAcquire()).toBe(false);
      await holder.release();
      expect(lock.acquireSync(1000)).toBe(true);
      lock.release();
    });

    it('an async acquire waits for another thread to release, then holds the lock', async () => {
      const lock = create();
      const holder = await holdInWorker(lock);
      const acquired = lock.acquire();
      expect(await isPending(acquired)).toBe(true);
      await holder.release();
      const release = await acquired;
      expect(lock.isLocked()).toBe(true);
      release();
      expect(lock.isLocked()).toBe(false);
    });

    it('a releaser releases once; calling it again does nothing', async () => {
      const lock = create();
      const release = await lock.acquire();
      release();
      const second = await lock.acquire();
      release(); // the first acquisition's releaser: must not release the second acquisition
      expect(lock.isLocked()).toBe(true);
      second();
      expect(lock.isLocked()).toBe(false);
    });

    it('an async acquire times out with TimeoutError and never takes the lock later', async () => {
      const lock = create();
      const holder = await holdInWorker(lock);
      const t0 = performance.now();
      const err = await lock.acquire({ timeout: 30 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).timeout).toBe(30);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(30);
      await holder.release();
      await new Promise((resolve) => setTimeout(resolve, 20)); // give an abandoned waiter a chance to misbehave
      expect(lock.isLocked()).toBe(false);
    });

    it('an aborted async acquire rejects with the signal reason and never takes the lock later', async () => {
      const lock = create();
      const holder = await holdInWorker(lock);
      const controller = new AbortController();
      const pending = lock.acquire({ signal: controller.signal });
      const reason = new Error('no longer needed');
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      await holder.release();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lock.isLocked()).toBe(false);
    });

    it('an already aborted signal rejects at once, even when the lock is free', async () => {
      const lock = create();
      const reason = new Error('aborted before');
      await expect(lock.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(lock.isLocked()).toBe(false);
    });

    it("serves this thread's async acquirers by priority, FIFO within a priority", async () => {
      const lock = create();
      const holder = await holdInWorker(lock);
      const order: string[] = [];
      const waiters = (
        [
          ['a', 0],
          ['b', 5],
          ['c', 5],
          ['d', 10],
          ['e', -1],
        ] as const
      ).map(([label, priority]) =>
        lock.runExclusive(async () => {
          order.push(label);
          await new Promise((resolve) => setImmediate(resolve));
        }, priority),
      );
      await holder.release();
      await Promise.all(waiters);
      expect(order).toEqual(['d', 'b', 'c', 'a', 'e']);
    });

    it("cancel() rejects this thread's pending acquirers with E_CANCELED and leaves the holder alone", async () => {
      const lock = create();
      const holder = await holdInWorker(lock);
      const pending = [lock.acquire(), lock.acquire(3)];
      lock.cancel();
      await Promise.all(pending.map((p) => expect(p).rejects.toBe(E_CANCELED)));
      expect(lock.isLocked()).toBe(true);
      await holder.release();
      const release = await lock.acquire({ timeout: 5000 });
      release();
    });

    it('runExclusive returns the callback value and releases also when it throws', async () => {
      const lock = create();
      expect(await lock.runExclusive(() => 7)).toBe(7);
      await expect(
        lock.runExclusive(async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(lock.isLocked()).toBe(false);
    });

    it('runExclusiveSync runs under the lock, releases on throw, and throws TimeoutError when it cannot acquire', async () => {
      const lock = create();
      expect(lock.runExclusiveSync(() => lock.isLocked())).toBe(true);
      expect(() =>
        lock.runExclusiveSync(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(lock.isLocked()).toBe(false);
      const holder = await holdInWorker(lock);
      let ran = false;
      expect(() => lock.runExclusiveSync(() => (ran = true), 10)).toThrow(TimeoutError);
      expect(ran).toBe(false);
      await holder.release();
    });

    it('guards release at the end of a using / await using block', async () => {
      const lock = create();
      {
        using guard = lock.guardSync();
        expect(lock.isLocked()).toBe(true);
        guard.release(); // releasing early by hand is allowed; the block's end then does nothing
        expect(lock.isLocked()).toBe(false);
      }
      {
        await using _guard = await lock.guard();
        expect(lock.isLocked()).toBe(true);
      }
      expect(lock.isLocked()).toBe(false);
    });

    it('waitForUnlock resolves once another thread releases, without acquiring', async () => {
      const lock = create();
      await lock.waitForUnlock();
      const holder = await holdInWorker(lock);
      const unlocked = lock.waitForUnlock();
      expect(await isPending(unlocked)).toBe(true);
      await expect(lock.waitForUnlock({ timeout: 10 })).rejects.toThrow(TimeoutError);
      await holder.release();
      await unlocked;
      expect(lock.isLocked()).toBe(false);
    });

    it("works under async-mutex's withTimeout and tryAcquire decorators", async () => {
      const lock = create();
      const timed = withTimeout(lock, 30);
      const release = await timed.acquire();
      expect(lock.isLocked()).toBe(true);
      release();
      const holder = await holdInWorker(lock);
      await expect(withTimeout(lock, 20).acquire()).rejects.toBe(E_TIMEOUT);
      await expect(tryAcquire(lock).acquire()).rejects.toBe(E_ALREADY_LOCKED);
      await holder.release();
      // withTimeout releases a late acquisition itself; the lock must end free.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lock.isLocked()).toBe(false);
      const r = await tryAcquire(lock).acquire();
      expect(lock.isLocked()).toBe(true);
      r();
    });

    it('a clone received by a worker is the same lock', async () => {
      const lock = create();
      const again = from(structuredClone(lock));
      expect(again.tryAcquire()).toBe(true);
      expect(lock.isLocked()).toBe(true);
      again.release();
      expect(lock.isLocked()).toBe(false);
    });

    it('excludes sync and async acquirers of 4 workers: 4 × 50,000 non-atomic increments are exact', async () => {
      const lock = create();
      const cells = new SharedArrayBuffer(8);
      const iterations = 50_000;
      const results = await runAll<{ maxInside: number }>(
        'lock-counter',
        ['sync', 'sync', 'async', 'async'].map((mode) => ({ lock, cells, iterations, mode })),
        50_000,
      );
      expect(new Int32Array(cells)[0]).toBe(4 * iterations);
      expect(Math.max(...results.map((r) => r.maxInside))).toBe(1);
      expect(lock.isLocked()).toBe(false);
    });
  });
}
